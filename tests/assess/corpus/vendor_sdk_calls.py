"""Supplier prices: read CSV, then call the vendor's cleaning library before writing."""
import sys

import acme_cleaning
from awsglue.context import GlueContext
from awsglue.transforms import ApplyMapping
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glueContext = GlueContext(SparkContext.getOrCreate())

prices = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": ["s3://acme-raw/suppliers/prices/"]},
    format="csv",
    format_options={"withHeader": True},
)
prices = ApplyMapping.apply(
    frame=prices,
    mappings=[("sku", "string", "sku", "string"), ("price", "string", "price", "double")],
)
cleaned = acme_cleaning.standardise_units(prices.toDF())
cleaned.write.mode("overwrite").parquet("s3://acme-lake/purchasing/prices/")
