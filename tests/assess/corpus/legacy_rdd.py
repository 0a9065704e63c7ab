"""Legacy log parser written against RDDs."""
from pyspark import SparkContext
from pyspark.sql import SparkSession

sc = SparkContext.getOrCreate()
spark = SparkSession(sc)

lines = sc.textFile("s3://acme-raw/logs/app/*.log")
pairs = lines.map(lambda line: (line.split(" ")[2], 1))
counts = pairs.reduceByKey(lambda a, b: a + b)
spark.createDataFrame(counts, ["level", "n"]).write.mode("overwrite").parquet("s3://acme-lake/ops/log_levels/")
