"""The shop's category tree: REES46-style dotted codes, typical prices, brands and the
words shoppers type when they look for them.

Prices are the median list price in the shop's currency and the spread (sigma of the
log price) within the category; ``weight`` is the category's share of the catalogue.
Search phrases are what a shopper types for that category; persona templates in
:mod:`shoplens.generate.personas` wrap them ("cheap {}", "{} review").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    median_price: float
    sigma: float
    weight: float
    brands: tuple[str, ...]
    phrases: tuple[str, ...]

    @property
    def top(self) -> str:
        return self.code.split(".", 1)[0]

    @property
    def noun(self) -> str:
        return self.code.rsplit(".", 1)[-1].replace("_", " ")


def _c(code: str, median: float, sigma: float, weight: float, brands: str, phrases: str) -> Category:
    return Category(code, median, sigma, weight, tuple(brands.split()),
                    tuple(p.strip() for p in phrases.split(",")))


CATEGORIES: tuple[Category, ...] = (
    # electronics
    _c("electronics.smartphone", 280, 0.75, 3.0, "samsung apple xiaomi huawei oppo realme nokia",
       "smartphone, phone 128gb, iphone, android phone, 5g smartphone, phone dual sim"),
    _c("electronics.video.tv", 450, 0.65, 1.4, "samsung lg sony philips tcl hisense",
       "4k tv 55 inch, smart tv, oled tv, tv 43 inch, television, qled tv 65"),
    _c("electronics.audio.headphone", 55, 0.9, 1.6, "sony jbl apple sennheiser xiaomi beats",
       "wireless headphones, noise cancelling headphones, earbuds, bluetooth earphones"),
    _c("electronics.clocks", 120, 0.8, 1.0, "apple samsung garmin xiaomi casio amazfit",
       "smartwatch, fitness tracker, smart watch gps, sports watch"),
    _c("electronics.tablet", 260, 0.6, 0.8, "apple samsung lenovo huawei xiaomi",
       "tablet, ipad, android tablet 10 inch, tablet with keyboard"),
    _c("electronics.camera.photo", 520, 0.7, 0.5, "canon nikon sony fujifilm panasonic",
       "mirrorless camera, dslr camera, camera lens, digital camera"),
    _c("electronics.audio.acoustic", 90, 0.8, 0.6, "jbl sony marshall bose lg",
       "bluetooth speaker, soundbar, portable speaker, home theater"),
    # computers
    _c("computers.notebook", 720, 0.5, 1.8, "lenovo hp asus acer apple dell msi",
       "gaming laptop, laptop 16gb ram, ultrabook, macbook, notebook 15 inch, laptop i7"),
    _c("computers.desktop", 850, 0.55, 0.6, "hp dell lenovo asus apple",
       "gaming pc, desktop computer, mini pc, workstation"),
    _c("computers.peripherals.monitor", 230, 0.6, 0.9, "samsung lg dell asus aoc benq",
       "gaming monitor 144hz, 27 inch monitor, 4k monitor, curved monitor"),
    _c("computers.peripherals.mouse", 25, 0.8, 0.9, "logitech razer hp a4tech steelseries",
       "gaming mouse, wireless mouse, ergonomic mouse"),
    _c("computers.peripherals.keyboard", 45, 0.8, 0.7, "logitech razer hp corsair steelseries",
       "mechanical keyboard, rgb keyboard, wireless keyboard"),
    _c("computers.components.videocards", 480, 0.65, 0.6, "msi asus gigabyte palit zotac",
       "graphics card, rtx 4070, gpu, video card"),
    _c("computers.components.memory", 60, 0.6, 0.4, "kingston corsair crucial gskill samsung",
       "ddr5 ram 32gb, ram memory, ssd 1tb, nvme ssd"),
    # appliances
    _c("appliances.kitchen.refrigerators", 520, 0.5, 1.0, "samsung lg bosch beko indesit",
       "refrigerator, fridge freezer, no frost fridge, side by side fridge"),
    _c("appliances.kitchen.washer", 380, 0.45, 1.0, "bosch samsung lg beko indesit",
       "washing machine, washer dryer, front load washer 8kg"),
    _c("appliances.kitchen.microwave", 110, 0.5, 0.6, "samsung lg panasonic bosch",
       "microwave oven, microwave with grill, compact microwave"),
    _c("appliances.kitchen.coffee_machine", 190, 0.8, 0.6, "delonghi philips krups nespresso bosch",
       "coffee machine, espresso maker, capsule coffee machine, bean to cup coffee"),
    _c("appliances.kitchen.blender", 60, 0.6, 0.6, "philips braun bosch tefal moulinex",
       "blender, smoothie blender, hand blender, food processor"),
    _c("appliances.environment.vacuum", 170, 0.8, 1.0, "dyson samsung xiaomi philips bosch",
       "vacuum cleaner, robot vacuum, cordless vacuum, bagless vacuum"),
    _c("appliances.environment.air_conditioner", 430, 0.5, 0.5, "lg samsung daikin electrolux",
       "air conditioner, portable air conditioner, inverter ac"),
    _c("appliances.iron", 45, 0.6, 0.5, "philips tefal braun rowenta",
       "steam iron, garment steamer, iron"),
    # apparel
    _c("apparel.shoes", 65, 0.6, 1.6, "nike adidas puma reebok skechers newbalance",
       "running shoes, sneakers, leather boots, white sneakers, ankle boots"),
    _c("apparel.shoes.sandals", 35, 0.55, 0.6, "birkenstock crocs adidas ecco",
       "sandals, summer sandals, flip flops, leather sandals"),
    _c("apparel.dress", 45, 0.6, 1.2, "zara mango hm reserved asos",
       "summer dress, maxi dress, evening dress, black dress, floral dress"),
    _c("apparel.jeans", 40, 0.5, 0.9, "levis wrangler lee diesel zara",
       "skinny jeans, mom jeans, slim fit jeans, denim"),
    _c("apparel.shirt", 25, 0.6, 0.9, "hm zara uniqlo tommy lacoste",
       "linen shirt, white shirt, oversized tshirt, polo shirt"),
    _c("apparel.jacket", 85, 0.6, 0.8, "thenorthface columbia zara mango tommy",
       "winter jacket, leather jacket, puffer jacket, rain jacket"),
    _c("apparel.underwear", 15, 0.5, 0.5, "calvinklein intimissimi hm tommy",
       "underwear set, bra, socks pack, boxers"),
    # accessories
    _c("accessories.bag", 40, 0.8, 1.0, "michaelkors guess mango samsonite zara",
       "leather handbag, tote bag, backpack, crossbody bag"),
    _c("accessories.wallet", 25, 0.6, 0.5, "tommy guess calvinklein fossil",
       "leather wallet, card holder, slim wallet"),
    _c("accessories.sunglasses", 60, 0.8, 0.4, "rayban oakley guess polaroid",
       "sunglasses, polarized sunglasses, aviator sunglasses"),
    _c("accessories.jewelry", 45, 1.0, 0.5, "pandora swarovski guess fossil",
       "silver necklace, earrings, bracelet, gold ring"),
    # furniture
    _c("furniture.living_room.sofa", 550, 0.5, 0.8, "ikea bonaldo halmar signal",
       "sofa grey, corner sofa, sofa bed, velvet sofa, 3 seater sofa"),
    _c("furniture.living_room.chair", 90, 0.6, 0.8, "ikea halmar signal vox",
       "armchair, dining chairs, office chair, rocking chair"),
    _c("furniture.bedroom.bed", 380, 0.55, 0.6, "ikea halmar vox signal",
       "double bed, bed frame with storage, mattress 160x200, bunk bed"),
    _c("furniture.kitchen.table", 160, 0.6, 0.6, "ikea halmar signal vox",
       "dining table, extendable table, kitchen table oak"),
    _c("furniture.living_room.cabinet", 190, 0.6, 0.6, "ikea halmar vox signal",
       "tv stand, bookcase, wardrobe, chest of drawers"),
    _c("furniture.universal.light", 45, 0.7, 0.5, "philips ikea xiaomi osram",
       "ceiling lamp, floor lamp, led bulb, desk lamp"),
    # sport
    _c("sport.bicycle", 380, 0.6, 0.7, "trek giant merida cube kross",
       "mountain bike, road bike, electric bike, kids bike"),
    _c("sport.trainer", 260, 0.7, 0.5, "kettler hms torneo spokey",
       "treadmill, exercise bike, dumbbells set, rowing machine"),
    _c("sport.tennis", 60, 0.7, 0.3, "wilson babolat head yonex",
       "tennis racket, tennis balls, badminton set"),
    _c("sport.ski", 240, 0.6, 0.3, "atomic rossignol salomon head",
       "ski boots, skis, ski helmet, snowboard"),
    # kids
    _c("kids.toys", 25, 0.8, 1.2, "lego hasbro mattel playmobil",
       "lego set, toys for 3 year old, board game, puzzle"),
    _c("kids.carriage", 320, 0.5, 0.5, "cybex chicco britax joie",
       "baby stroller, pram, car seat, travel system"),
    _c("kids.dolls", 30, 0.6, 0.4, "barbie mattel hasbro lol",
       "barbie doll, doll house, baby doll"),
    _c("kids.skates", 55, 0.5, 0.3, "rollerblade oxelo powerslide",
       "roller skates, kick scooter, inline skates"),
    # home improvement and garden
    _c("construction.tools.drill", 90, 0.6, 0.6, "bosch makita dewalt metabo",
       "cordless drill, hammer drill, drill set, screwdriver"),
    _c("country_yard.lawn_mower", 230, 0.6, 0.3, "husqvarna bosch makita stihl",
       "lawn mower, robotic mower, grass trimmer"),
)

CATEGORY_CODES: tuple[str, ...] = tuple(c.code for c in CATEGORIES)
TOP_LEVELS: tuple[str, ...] = tuple(dict.fromkeys(c.top for c in CATEGORIES))
