"""Payments enriched with the currency lookup (a few hundred rows)."""
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import ApplyMapping, Join
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glueContext = GlueContext(SparkContext.getOrCreate())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

payments = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": ["s3://acme-raw/payments/"]},
    format="parquet",
)
currencies = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": ["s3://acme-raw/lookup/currencies/"]},
    format="csv",
    format_options={"withHeader": True},
)
mapped = ApplyMapping.apply(
    frame=payments,
    mappings=[
        ("payment_id", "long", "payment_id", "long"),
        ("amount", "double", "amount", "double"),
        ("currency", "string", "currency", "string"),
        ("paid_at", "timestamp", "paid_at", "timestamp"),
    ],
)
joined = Join.apply(mapped, currencies, "currency", "code")
glueContext.write_dynamic_frame.from_options(
    frame=joined,
    connection_type="s3",
    connection_options={"path": "s3://acme-lake/finance/payments/"},
    format="parquet",
)
job.commit()
