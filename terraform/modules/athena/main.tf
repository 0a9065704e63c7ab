resource "aws_athena_workgroup" "this" {
  name          = var.name
  description   = "Lockgate: queries over the published tables"
  state         = "ENABLED"
  force_destroy = var.force_destroy

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query
    requester_pays_enabled             = false

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location       = "s3://${var.control_bucket}/${var.results_prefix}"
      expected_bucket_owner = var.expected_bucket_owner

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }

  tags = var.tags
}

################################################################################
# The runs table: one Parquet file per finished run under the control bucket (SSE-KMS), written by
# each import's record function; unpartitioned, so Athena reads new runs without registering anything.
################################################################################

resource "aws_glue_catalog_database" "ops" {
  count = var.runs_table == null ? 0 : 1

  name        = var.runs_table.database
  description = "Lockgate's own tables: the runs table (measured cost, latency and root causes of every run)"
  tags        = var.tags
}

resource "aws_glue_catalog_table" "runs" {
  count = var.runs_table == null ? 0 : 1

  name          = var.runs_table.name
  database_name = aws_glue_catalog_database.ops[0].name
  description   = var.runs_table.description
  table_type    = "EXTERNAL_TABLE"
  parameters    = { classification = "parquet", EXTERNAL = "TRUE" }

  storage_descriptor {
    location      = var.runs_table.location
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    dynamic "columns" {
      for_each = var.runs_table.columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }

    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
      parameters            = { "serialization.format" = "1" }
    }
  }
}
