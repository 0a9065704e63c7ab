data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  s3_arn      = "arn:${local.partition}:s3:::"
  control_arn = "${local.s3_arn}${var.control_bucket}"
  glue_arn    = "arn:${local.partition}:glue:${local.region}:${local.account_id}"
  logs_arn    = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group"

  script_key         = "${var.artifacts_prefix}job.py"
  extra_py_files_key = "${var.artifacts_prefix}lockgate.zip"

  # The job's Python dependencies Glue does not ship, by file name: installed by Glue's pip from S3
  # (--additional-python-modules), with --no-index so a run never reaches PyPI.
  wheels     = { for w in var.package.wheels : basename(w) => w }
  wheel_keys = { for name in keys(local.wheels) : name => "${var.artifacts_prefix}wheels/${name}" }
  wheel_arguments = length(local.wheels) == 0 ? {} : {
    "--additional-python-modules"       = join(",", [for name in sort(keys(local.wheel_keys)) : "s3://${var.control_bucket}/${local.wheel_keys[name]}"])
    "--python-modules-installer-option" = "--no-index"
  }

  jobs = {
    for name, j in var.jobs : name => merge(j, {
      job_name          = "${var.name_prefix}-${name}"
      quarantine_bucket = regex("^s3://([^/]+)/?(.*)$", j.target.quarantine)[0]
      quarantine_prefix = regex("^s3://([^/]+)/?(.*)$", j.target.quarantine)[1]
    })
  }

  crawlers = {
    for name, c in var.crawlers : name => merge(c, {
      bucket = regex("^s3://([^/]+)/?(.*)$", c.location)[0]
      prefix = regex("^s3://([^/]+)/?(.*)$", c.location)[1]
    })
  }
}

################################################################################
# Catalog
################################################################################

resource "aws_glue_catalog_database" "this" {
  for_each = var.databases

  name        = each.value
  description = "Lockgate tables in ${each.value}"
  tags        = var.tags
}

################################################################################
# Code: the entry script and the project code (--extra-py-files), uploaded once, shared by all jobs
################################################################################

# source_hash, not etag, tracks the files: the ETag of an SSE-KMS object is not the MD5 of its content,
# so the provider rejects etag together with kms_key_id once the key is known.
resource "aws_s3_object" "script" {
  bucket      = var.control_bucket
  key         = local.script_key
  source      = var.package.script
  source_hash = filemd5(var.package.script)
  kms_key_id  = var.kms_key_arn
  tags        = var.tags
}

resource "aws_s3_object" "extra_py_files" {
  bucket      = var.control_bucket
  key         = local.extra_py_files_key
  source      = var.package.extra_py_files
  source_hash = filemd5(var.package.extra_py_files)
  kms_key_id  = var.kms_key_arn
  tags        = var.tags
}

resource "aws_s3_object" "wheel" {
  for_each = local.wheels

  bucket      = var.control_bucket
  key         = local.wheel_keys[each.key]
  source      = each.value
  source_hash = filemd5(each.value)
  kms_key_id  = var.kms_key_arn
  tags        = var.tags
}

################################################################################
# Encryption of everything Glue writes: S3 output, CloudWatch logs, job bookmarks
################################################################################

resource "aws_glue_security_configuration" "this" {
  name = var.name_prefix

  encryption_configuration {
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = var.kms_key_arn
    }

    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = var.kms_key_arn
    }

    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = var.kms_key_arn
    }
  }
}

################################################################################
# Job roles: one per import
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "job" {
  for_each = local.jobs

  name                 = "${each.value.job_name}-glue-job"
  description          = "Lockgate ${each.key}: Glue job"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "job" {
  for_each = local.jobs

  statement {
    sid     = "ReadCodeSpecAndManifest"
    actions = ["s3:GetObject"]
    resources = concat(
      [
        "${local.control_arn}/${local.script_key}",
        "${local.control_arn}/${local.extra_py_files_key}",
        "${local.control_arn}/${each.value.spec_key}",
        "${local.control_arn}/runs/${each.key}/*",
      ],
      [for key in values(local.wheel_keys) : "${local.control_arn}/${key}"],
    )
  }

  statement {
    sid       = "ReadSource"
    actions   = ["s3:GetObject"]
    resources = ["${local.s3_arn}${each.value.source_location.bucket}/${each.value.source_location.prefix}*"]
  }

  statement {
    sid       = "ListSource"
    actions   = ["s3:ListBucket"]
    resources = ["${local.s3_arn}${each.value.source_location.bucket}"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [each.value.source_location.prefix, "${each.value.source_location.prefix}*"]
    }
  }

  statement {
    sid       = "ListStaging"
    actions   = ["s3:ListBucket"]
    resources = [local.control_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["staging/${each.key}/", "staging/${each.key}/*"]
    }
  }

  # Spark's output committer writes, renames (copy + delete) and cleans up under the run's staging.
  statement {
    sid       = "WriteStaging"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${local.control_arn}/staging/${each.key}/*"]
  }

  statement {
    sid       = "WriteResult"
    actions   = ["s3:PutObject"]
    resources = ["${local.control_arn}/runs/${each.key}/*/results/glue.json"]
  }

  statement {
    sid       = "WriteQuarantine"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${local.s3_arn}${each.value.quarantine_bucket}/${each.value.quarantine_prefix}*"]
  }

  statement {
    sid       = "ListQuarantine"
    actions   = ["s3:ListBucket"]
    resources = ["${local.s3_arn}${each.value.quarantine_bucket}"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [each.value.quarantine_prefix, "${each.value.quarantine_prefix}*"]
    }
  }

  statement {
    sid       = "ContinuousLogging"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
    resources = ["${local.logs_arn}:/aws-glue/jobs/*"]
  }

  statement {
    sid       = "UseDeploymentKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "job" {
  for_each = local.jobs

  name   = "least-privilege"
  role   = aws_iam_role.job[each.key].id
  policy = data.aws_iam_policy_document.job[each.key].json
}

################################################################################
# Jobs: one per import, so each gets the worker settings the router priced and its own role
################################################################################

resource "aws_glue_job" "this" {
  for_each = local.jobs

  name              = each.value.job_name
  description       = "Lockgate ${each.key}: Spark engine for runs routed to Glue"
  role_arn          = aws_iam_role.job[each.key].arn
  glue_version      = each.value.version
  worker_type       = each.value.worker_type
  number_of_workers = each.value.workers
  timeout           = each.value.timeout_minutes
  # The job's default; a run may ask for FLEX (routing.glue.flex). Explicit, so a re-plan shows no change.
  execution_class = "STANDARD"
  # Step Functions owns retries (Retry on the startJobRun.sync task); Glue must not re-run on its own.
  max_retries            = 0
  security_configuration = aws_glue_security_configuration.this.name

  command {
    name            = "glueetl"
    script_location = "s3://${var.control_bucket}/${local.script_key}"
    python_version  = "3"
  }

  execution_property {
    max_concurrent_runs = each.value.max_concurrent_runs
  }

  # Kebab-case keys are Glue's own special parameters; snake_case keys are read by glue_jobs/job.py.
  # The state machine passes the run-specific ones (--manifest_uri, --run_id, ...) per run.
  default_arguments = merge(
    {
      "--job-language"                     = "python"
      "--extra-py-files"                   = "s3://${var.control_bucket}/${local.extra_py_files_key}"
      "--enable-continuous-cloudwatch-log" = "true"
      "--enable-continuous-log-filter"     = "true"
      "--job-bookmark-option"              = "job-bookmark-disable"
      "--spec_uri"                         = "s3://${var.control_bucket}/${each.value.spec_key}"
    },
    local.wheel_arguments,
  )

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(local.wheels) > 0
      error_message = "package.wheels is empty: the job's code imports pydantic, sqlglot, PyYAML and isal, which Glue does not ship. Run `make package` (it writes build/package/glue/wheels/)."
    }
  }

  depends_on = [aws_iam_role_policy.job, aws_s3_object.wheel]
}

################################################################################
# Crawlers: one per import that has one
################################################################################

resource "aws_iam_role" "crawler" {
  for_each = local.crawlers

  name                 = "${var.name_prefix}-${each.key}-crawler"
  description          = "Lockgate ${each.key}: Glue crawler"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "crawler" {
  for_each = local.crawlers

  statement {
    sid       = "ReadTarget"
    actions   = ["s3:GetObject"]
    resources = ["${local.s3_arn}${each.value.bucket}/${each.value.prefix}*"]
  }

  statement {
    sid       = "ListTarget"
    actions   = ["s3:ListBucket"]
    resources = ["${local.s3_arn}${each.value.bucket}"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [each.value.prefix, "${each.value.prefix}*"]
    }
  }

  # The import's one table, whichever the target: an S3-target crawler names the table it creates
  # table_prefix + folder, which crawlers.settings only chooses when that equals the spec's table; a
  # catalog-target crawler updates the pre-created table and reads its data through the same location.
  statement {
    sid = "CatalogTable"
    actions = concat(
      [
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetTables",
        "glue:UpdateTable",
        "glue:GetPartition",
        "glue:GetPartitions",
        "glue:BatchGetPartition",
        "glue:CreatePartition",
        "glue:BatchCreatePartition",
        "glue:UpdatePartition",
        "glue:BatchUpdatePartition",
        # "CreatePartitionIndex": true in the crawler configuration
        "glue:CreatePartitionIndex",
        "glue:GetPartitionIndexes",
      ],
      # Only an S3 target may create its table; a catalog target crawls the table Terraform created.
      each.value.target_kind == "s3" ? ["glue:CreateTable"] : [],
      # Only a crawler told to delete vanished tables and partitions may delete them.
      each.value.schema_change_policy.delete_behavior == "DELETE_FROM_DATABASE" ? [
        "glue:DeleteTable",
        "glue:DeletePartition",
        "glue:BatchDeletePartition",
      ] : [],
    )
    resources = [
      "${local.glue_arn}:catalog",
      "${local.glue_arn}:database/${each.value.database}",
      "${local.glue_arn}:table/${each.value.database}/${each.value.table}",
    ]
  }

  statement {
    sid       = "CrawlerLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
    resources = ["${local.logs_arn}:/aws-glue/crawlers*"]
  }

  statement {
    sid       = "UseDeploymentKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "crawler" {
  for_each = local.crawlers

  name   = "least-privilege"
  role   = aws_iam_role.crawler[each.key].id
  policy = data.aws_iam_policy_document.crawler[each.key].json
}

# The import's table, pre-created from the rendered TableInput so the partition index exists before the
# first partition (an index can only be added to an empty table cheaply) and so a catalog-target crawler
# has a table to crawl.
#
# Drift: after creation the crawler (MergeNewColumns: new columns, widened types; statistics) owns the
# table's columns and its statistics parameters. Managing them here would revert every added column on the next apply, so they
# are ignored; name, type, location, formats, SerDe, partition keys and the index stay Terraform's (a
# changed partition key or index replaces the table, as Glue cannot alter either in place).
resource "aws_glue_catalog_table" "this" {
  for_each = local.crawlers

  name          = each.value.table
  database_name = each.value.database
  description   = each.value.table_input.description
  table_type    = each.value.table_input.table_type
  parameters    = each.value.table_input.parameters

  dynamic "partition_keys" {
    for_each = each.value.table_input.partition_keys
    content {
      name    = partition_keys.value.name
      type    = partition_keys.value.type
      comment = partition_keys.value.comment
    }
  }

  storage_descriptor {
    location                  = each.value.table_input.storage_descriptor.location
    input_format              = each.value.table_input.storage_descriptor.input_format
    output_format             = each.value.table_input.storage_descriptor.output_format
    compressed                = each.value.table_input.storage_descriptor.compressed
    number_of_buckets         = each.value.table_input.storage_descriptor.number_of_buckets
    stored_as_sub_directories = each.value.table_input.storage_descriptor.stored_as_sub_directories
    parameters                = each.value.table_input.storage_descriptor.parameters

    dynamic "columns" {
      for_each = each.value.table_input.storage_descriptor.columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }

    ser_de_info {
      serialization_library = each.value.table_input.storage_descriptor.ser_de_info.serialization_library
      parameters            = each.value.table_input.storage_descriptor.ser_de_info.parameters
    }
  }

  dynamic "partition_index" {
    for_each = each.value.partition_index == null ? [] : [each.value.partition_index]
    content {
      index_name = partition_index.value.index_name
      keys       = partition_index.value.keys
    }
  }

  lifecycle {
    ignore_changes = [
      parameters,                       # crawler statistics (recordCount, sizeKey, UPDATED_BY_CRAWLER, ...)
      storage_descriptor[0].columns,    # crawler MergeNewColumns
      storage_descriptor[0].parameters, # crawler statistics per storage descriptor
    ]
  }

  depends_on = [aws_glue_catalog_database.this]
}

resource "aws_glue_crawler" "this" {
  for_each = local.crawlers

  name                   = each.value.name
  description            = "Lockgate ${each.key}: catalogs ${each.value.location}"
  role                   = aws_iam_role.crawler[each.key].arn
  database_name          = each.value.database
  table_prefix           = each.value.table_prefix
  security_configuration = aws_glue_security_configuration.this.name
  configuration          = each.value.configuration

  # One target, as crawlers.settings chose it: the location, or the pre-created table when the table
  # is not named after the location's folder (an S3 target would create a table named after the folder).
  dynamic "s3_target" {
    for_each = each.value.target_kind == "s3" ? [each.value.location] : []
    content {
      path       = s3_target.value
      exclusions = each.value.exclusions
    }
  }

  dynamic "catalog_target" {
    for_each = each.value.target_kind == "catalog" ? [each.value.catalog_target] : []
    content {
      database_name = catalog_target.value.database_name
      tables        = catalog_target.value.tables
    }
  }

  recrawl_policy {
    recrawl_behavior = each.value.recrawl_policy
  }

  schema_change_policy {
    update_behavior = each.value.schema_change_policy.update_behavior
    delete_behavior = each.value.schema_change_policy.delete_behavior
  }

  tags = var.tags

  depends_on = [aws_glue_catalog_database.this, aws_glue_catalog_table.this, aws_iam_role_policy.crawler]
}

################################################################################
# Quarantine: a Parquet table over each import's quarantine location and the `<table>_quarantine`
# Athena view over it (crawlers.quarantine). Both are generated from the spec; nothing else writes them.
################################################################################

resource "aws_glue_catalog_table" "quarantine_rows" {
  for_each = var.quarantine_tables

  name          = each.value.rows.name
  database_name = each.value.database
  description   = each.value.rows.description
  table_type    = "EXTERNAL_TABLE"
  parameters    = { classification = "parquet", EXTERNAL = "TRUE", "lockgate.import" = each.key }

  storage_descriptor {
    location      = each.value.rows.location
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    dynamic "columns" {
      for_each = each.value.rows.columns
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

  depends_on = [aws_glue_catalog_database.this]
}

resource "aws_glue_catalog_table" "quarantine_view" {
  for_each = var.quarantine_tables

  name               = each.value.view.name
  database_name      = each.value.database
  description        = each.value.view.description
  table_type         = "VIRTUAL_VIEW"
  view_original_text = each.value.view.view_original_text
  view_expanded_text = each.value.view.view_expanded_text
  parameters         = { presto_view = "true", comment = "Presto View", "lockgate.import" = each.key }

  storage_descriptor {
    dynamic "columns" {
      for_each = each.value.view.columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }
  }

  depends_on = [aws_glue_catalog_table.quarantine_rows]
}
