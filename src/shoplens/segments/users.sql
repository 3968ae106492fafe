SELECT user_id, country, signup_date, first_seen FROM users
