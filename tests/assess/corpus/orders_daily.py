"""Daily order export: CSV from the shop, typed, bad amounts dropped, Parquet by order date."""
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import ApplyMapping, DropNullFields, Filter
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "run_date"])
sc = SparkContext()
glueContext = GlueContext(sc)
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

raw = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [f"s3://acme-raw/shop/orders/{args['run_date']}/"]},
    format="csv",
    format_options={"withHeader": True, "separator": ","},
)
typed = ApplyMapping.apply(
    frame=raw,
    mappings=[
        ("OrderID", "string", "order_id", "long"),
        ("CustomerID", "string", "customer_id", "long"),
        ("Amount", "string", "amount", "decimal(12,2)"),
        ("Currency", "string", "currency", "string"),
        ("OrderDate", "string", "order_date", "date"),
    ],
)
valid = Filter.apply(frame=typed, f=lambda r: r["amount"] >= 0 and r["currency"] in ("EUR", "USD", "GBP"))
clean = DropNullFields.apply(frame=valid)
glueContext.write_dynamic_frame.from_options(
    frame=clean,
    connection_type="s3",
    connection_options={"path": "s3://acme-lake/sales/orders/", "partitionKeys": ["order_date"]},
    format="parquet",
)
job.commit()
