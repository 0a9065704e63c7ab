"""Stream order events from Kinesis into the lake every minute."""
import sys

from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glueContext = GlueContext(SparkContext.getOrCreate())

stream = glueContext.create_data_frame.from_catalog(
    database="streams", table_name="order_events", additional_options={"startingPosition": "TRIM_HORIZON"}
)


def process_batch(batch, batch_id):
    if batch.count() > 0:
        batch.write.mode("append").parquet("s3://acme-lake/streams/order_events/")


glueContext.forEachBatch(
    frame=stream,
    batch_function=process_batch,
    options={"windowSize": "60 seconds", "checkpointLocation": "s3://acme-tmp/checkpoints/order_events/"},
)
