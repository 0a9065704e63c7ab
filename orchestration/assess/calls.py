"""The call tables script analysis classifies by: what a Lockgate spec can express, and what needs Spark.

A call is named by its method (the last attribute, ``df.withColumn(...)`` -> ``withColumn``) or, for
Glue transforms, its class (``ApplyMapping.apply`` -> ``ApplyMapping``). Anything in none of these tables
is an unknown call and, since assess never guesses in the saving's favour, counts as needing Spark.
"""

from __future__ import annotations

__all__ = ["GLUE_SIMPLE_TRANSFORMS", "GLUE_SPARK_TRANSFORMS", "SIMPLE_METHODS", "SPARK_METHODS", "SIMPLE_FUNCTIONS",
           "SPARK_FUNCTIONS", "HARMLESS", "SPARK_MODULES", "LOOKUP_WORDS",
           "UNCARRIED_GLUE", "UNCARRIED_METHODS"]

GLUE_SIMPLE_TRANSFORMS: dict[str, str] = {
    "ApplyMapping": "renames and casts columns (spec columns[].source/type)",
    "Filter": "drops rows by a condition (spec filter)",
    "DropNullFields": "drops all-null fields (a spec keeps its declared columns)",
    "SelectFields": "keeps some fields (spec columns)",
    "DropFields": "drops fields (spec columns)",
    "RenameField": "renames a field (spec columns[].source)",
    "ResolveChoice": "casts ambiguous types (spec columns[].type)",
    "Join": "joins two frames",
}
GLUE_SPARK_TRANSFORMS: dict[str, str] = {
    "Map": "runs Python per record (a UDF)",
    "FlatMap": "runs Python per record (a UDF)",
    "Relationalize": "flattens nested data into several tables",
    "SplitRows": "splits a frame into several outputs",
    "SplitFields": "splits a frame into several outputs",
    "Spigot": "samples to S3",
    "Unbox": "parses embedded documents",
    "Union": "unions frames from several sources",
    "FindMatches": "ML transform (FindMatches)",
    "FillMissingValues": "ML transform (FillMissingValues)",
}


SIMPLE_METHODS: set[str] = {
    # DataFrame / DynamicFrame row-level operations
    "select", "selectExpr", "filter", "where", "withColumn", "withColumns", "withColumnRenamed", "drop",
    "dropDuplicates", "drop_duplicates", "cast", "alias", "astype", "toDF", "fromDF", "resolveChoice",
    "apply_mapping", "rename_field", "drop_fields", "select_fields", "isNull", "isNotNull", "isin", "between",
    "like", "rlike", "startswith", "endswith", "otherwise", "when", "apply", "dropna", "fillna", "na",
    "repartition", "coalesce", "cache", "persist", "unpersist", "count", "printSchema", "show", "schema",
    # readers and writers (their targets are checked separately)
    "read", "write", "table", "mode", "format", "option", "options", "partitionBy", "save", "load", "csv", "parquet", "json",
    "from_options", "from_catalog", "create_dynamic_frame_from_options", "create_dynamic_frame_from_catalog",
    "write_dynamic_frame_from_options", "write_dynamic_frame_from_catalog", "getSink", "setFormat",
    "setCatalogInfo", "writeFrame", "enableUpdateCatalog",
    # Glue job boilerplate
    "getResolvedOptions", "GlueContext", "SparkContext", "SparkSession", "Job", "init", "commit", "getOrCreate", "getLogger",
    "get_logger", "builder", "appName", "config", "stop", "spark_session", "purge_s3_path", "setLevel", "info",
    "warn", "warning", "error", "debug", "exception",
}

SPARK_METHODS: dict[str, str] = {
    "over": "a window function", "partitionBy@Window": "a window specification", "orderBy@Window": "a window specification",
    "rowsBetween": "a window frame", "rangeBetween": "a window frame",
    "groupBy": "an aggregation (shuffle)", "groupby": "an aggregation (shuffle)", "agg": "an aggregation (shuffle)",
    "pivot": "a pivot (shuffle)", "rollup": "an aggregation (shuffle)", "cube": "an aggregation (shuffle)",
    "crossJoin": "a cross join", "union": "a union of several inputs", "unionByName": "a union of several inputs",
    "unionAll": "a union of several inputs", "intersect": "a set operation (shuffle)", "subtract": "a set operation (shuffle)",
    "exceptAll": "a set operation (shuffle)", "orderBy": "a global sort (shuffle)", "sort": "a global sort (shuffle)",
    "sortWithinPartitions": "a sort (shuffle)",
    "collect": "collects data on the driver", "toPandas": "collects data on the driver", "take": "collects data on the driver",
    "rdd": "RDD code", "parallelize": "RDD code", "textFile": "RDD code", "wholeTextFiles": "RDD code",
    "mapPartitions": "RDD code", "flatMap": "RDD code", "reduceByKey": "RDD code", "map": "per-record Python (RDD map)",
    "foreach": "per-record Python", "foreachPartition": "per-record Python", "mapInPandas": "Python over partitions",
    "applyInPandas": "Python over groups",
    "udf": "a Python UDF", "pandas_udf": "a pandas UDF", "register": "a registered UDF",
    "readStream": "streaming", "writeStream": "streaming", "forEachBatch": "streaming (micro-batches)",
    "sql": "free-form Spark SQL", "createOrReplaceTempView": "a temp view for Spark SQL",
    "createTempView": "a temp view for Spark SQL", "explode": "explodes rows (one row becomes many)",
    "createDataFrame": "a DataFrame built from driver-side data or an RDD", "checkpoint": "a checkpoint", "localCheckpoint": "a checkpoint", "broadcast@sc": "a broadcast variable",
}

SIMPLE_FUNCTIONS: set[str] = {
    "col", "column", "lit", "expr", "to_date", "to_timestamp", "trim", "ltrim", "rtrim", "upper", "lower", "when",
    "coalesce", "concat", "concat_ws", "date_format", "year", "month", "dayofmonth", "hour", "regexp_replace",
    "substring", "current_timestamp", "current_date", "input_file_name", "length", "round", "abs", "split",
    "broadcast", "initcap", "lpad", "rpad", "isnull", "nanvl", "greatest", "least", "datediff", "date_add",
    "date_sub", "from_unixtime", "unix_timestamp", "to_utc_timestamp", "from_utc_timestamp", "md5", "sha2",
}
SPARK_FUNCTIONS: dict[str, str] = {
    **{f: "a window function" for f in ("row_number", "rank", "dense_rank", "lag", "lead", "ntile", "percent_rank",
                                        "cume_dist")},
    **{f: "an aggregate" for f in ("sum", "avg", "mean", "collect_list", "collect_set", "countDistinct",
                                   "count_distinct", "approx_count_distinct", "first", "last", "stddev",
                                   "variance", "percentile_approx")},
    "explode": "explodes rows (one row becomes many)", "explode_outer": "explodes rows (one row becomes many)",
    "posexplode": "explodes rows (one row becomes many)", "from_json": "parses nested JSON", "udf": "a Python UDF",
    "pandas_udf": "a pandas UDF", "monotonically_increasing_id": "ids that depend on Spark partitioning",
}

HARMLESS: set[str] = {
    # Python builtins and standard-library helpers with no effect on the data
    "print", "len", "str", "int", "float", "bool", "dict", "list", "set", "tuple", "range", "enumerate", "zip",
    "sorted", "isinstance", "getattr", "hasattr", "format", "min", "max", "any", "all", "repr", "exit",
    "strip", "rstrip", "lstrip", "split", "rsplit", "join", "replace", "lower", "upper", "startswith", "endswith",
    "get", "items", "keys", "values", "append", "extend", "pop", "update", "setdefault", "strftime", "strptime",
    "isoformat", "date", "now", "today", "utcnow", "timedelta", "datetime", "fromisoformat", "loads", "dumps",
    "basicConfig", "getenv", "environ", "Exception", "ValueError", "RuntimeError", "KeyError",
}

SPARK_MODULES: dict[str, str] = {
    "pyspark.ml": "MLlib", "pyspark.mllib": "MLlib", "pyspark.streaming": "Spark streaming",
    "awsglueml": "Glue ML transforms", "graphframes": "graph processing", "pyspark.pandas": "pandas API on Spark",
}

LOOKUP_WORDS = ("lookup", "dim_", "dimension", "reference", "ref_", "mapping", "codes", "countries", "currencies",
                "calendar")
"""A joined input whose path or table name has one of these is a small lookup (or one wrapped in
``broadcast()``); any other join may be large and needs Spark."""

UNCARRIED_GLUE = {"ResolveChoice", "SelectFields", "DropFields", "RenameField"}
UNCARRIED_METHODS = {"withColumnRenamed", "drop", "fillna", "dropna", "selectExpr", "withColumns", "resolveChoice",
                     "rename_field", "drop_fields", "select_fields"}
"""Simple steps the draft does not carry over: the draft names each, for a person to carry by hand."""
