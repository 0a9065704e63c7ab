"""Nightly inventory snapshot (Parquet from the warehouse system), run after the export job."""
import sys

from awsglue.context import GlueContext
from awsglue.transforms import ApplyMapping, Filter
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glueContext = GlueContext(SparkContext.getOrCreate())

stock = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": ["s3://acme-raw/warehouse/inventory/"]},
    format="parquet",
)
stock = ApplyMapping.apply(
    frame=stock,
    mappings=[
        ("sku", "string", "sku", "string"),
        ("warehouse", "string", "warehouse", "string"),
        ("qty", "int", "quantity", "int"),
        ("snapshot_date", "date", "snapshot_date", "date"),
    ],
)
stock = Filter.apply(frame=stock, f=lambda row: row["quantity"] is not None)
glueContext.write_dynamic_frame.from_options(
    frame=stock,
    connection_type="s3",
    connection_options={"path": "s3://acme-lake/ops/inventory/", "partitionKeys": ["snapshot_date"]},
    format="glueparquet",
)
