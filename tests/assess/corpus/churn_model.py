"""Score customers with the churn model (MLlib)."""
import sys

from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.ml import PipelineModel
from pyspark.ml.feature import VectorAssembler

args = getResolvedOptions(sys.argv, ["JOB_NAME", "model_path"])
spark = GlueContext(SparkContext.getOrCreate()).spark_session

features = spark.read.parquet("s3://acme-lake/ml/customer_features/")
assembled = VectorAssembler(inputCols=["tenure", "orders_90d", "tickets_90d"], outputCol="features").transform(features)
model = PipelineModel.load(args["model_path"])
scores = model.transform(assembled).select("customer_id", "prediction")
scores.write.mode("overwrite").parquet("s3://acme-lake/ml/churn_scores/")
