"""The Parquet lake: the storage behind the Spark engine, and ``shoplens export``."""
