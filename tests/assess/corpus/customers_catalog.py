"""Customer master data from the crawled raw table into the curated table."""
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import ApplyMapping
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glueContext = GlueContext(SparkContext.getOrCreate())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
logger = glueContext.get_logger()

customers = glueContext.create_dynamic_frame.from_catalog(database="raw", table_name="customers")
logger.info(f"read {customers.count()} customers")
mapped = ApplyMapping.apply(
    frame=customers,
    mappings=[
        ("id", "string", "customer_id", "bigint"),
        ("name", "string", "name", "string"),
        ("country", "string", "country", "string"),
        ("signup_date", "string", "signup_date", "date"),
    ],
)
glueContext.write_dynamic_frame.from_catalog(
    frame=mapped,
    database="curated",
    table_name="customers",
    additional_options={"partitionKeys": ["country"]},
)
job.commit()
