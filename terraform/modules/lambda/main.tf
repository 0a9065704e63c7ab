data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  # Handler, sizing and environment come from the render (orchestration.wiring): what runs locally is
  # what is deployed.
  handlers = { for f in var.functions : f => var.runtime[f].handler }

  functions = { for f in var.functions : f => "${var.name_prefix}-${var.import_name}-${replace(f, "_", "-")}" }

  s3_arn      = "arn:${local.partition}:s3:::"
  control_arn = "${local.s3_arn}${var.control_bucket}"
  source_arn  = "${local.s3_arn}${var.source_location.bucket}"
  target_arn  = "${local.s3_arn}${var.target.bucket}"

  quarantine_match  = regex("^s3://([^/]+)/?(.*)$", var.target.quarantine)
  quarantine_bucket = local.quarantine_match[0]
  quarantine_prefix = local.quarantine_match[1]
  quarantine_arn    = "${local.s3_arn}${local.quarantine_bucket}"

  runs_prefix    = "runs/${var.import_name}/"
  staging_prefix = "staging/${var.import_name}/"

  spec_object     = "${local.control_arn}/${var.spec_key}"
  source_objects  = "${local.source_arn}/${var.source_location.prefix}*"
  runs_objects    = "${local.control_arn}/${local.runs_prefix}*"
  results_objects = "${local.control_arn}/${local.runs_prefix}*/results/*"
  failure_records = "${local.control_arn}/${local.runs_prefix}*/failures/*" # orchestration/failures.py
  commit_objects = [
    "${local.control_arn}/${local.runs_prefix}*/commit.json",
    "${local.control_arn}/${local.runs_prefix}*/commit-intent.json", # resumable publish (lambdas/commit/intent.py)
    "${local.control_arn}/${local.runs_prefix}*/partitions.json",    # the partition lists CommitResult only counts
  ]
  lease_object    = "${local.control_arn}/leases/${var.import_name}.json" # the commit lease (lambdas/commit/lease.py)
  owner_markers   = "${local.target_arn}/*_lockgate/owner.json"           # other imports' location markers (ownership.py)
  staging_objects = "${local.control_arn}/${local.staging_prefix}*"
  target_objects  = "${local.target_arn}/${var.target.prefix}*"
  quarantine_objs = "${local.quarantine_arn}/${local.quarantine_prefix}*"

  # The download stage (https:// and sftp:// sources): copies land under the source location; a record
  # per copied file lets re-runs skip unchanged files (lambdas/download/records.py).
  downloads_prefix = "downloads/${var.import_name}/"
  download_records = "${local.control_arn}/${local.downloads_prefix}*"
  download_items   = "${local.control_arn}/${local.runs_prefix}*/downloads.json"
  secret_arns      = var.download_credentials.secret == null ? [] : ["arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${var.download_credentials.secret}-??????"]
  parameter_arns   = var.download_credentials.parameter == null ? [] : ["arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/${trimprefix(var.download_credentials.parameter, "/")}"]
  credential_reads = concat(
    length(local.secret_arns) > 0 ? [{ sid = "ReadNamedSecret", actions = ["secretsmanager:GetSecretValue"], resources = local.secret_arns }] : [],
    length(local.parameter_arns) > 0 ? [{ sid = "ReadNamedParameter", actions = ["ssm:GetParameter"], resources = local.parameter_arns }] : [],
  )

  glue_catalog = [
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog",
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${var.target.database}",
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.target.database}/${var.target.table}",
  ]

  # The least-privilege data map: function -> the statements it needs. `list` entries become
  # s3:ListBucket on a bucket restricted to key prefixes by the s3:prefix condition.
  permissions = {
    plan = {
      list = [{ bucket = local.source_arn, prefix = var.source_location.prefix }]
      statements = [
        { sid = "ReadSource", actions = ["s3:GetObject"], resources = [local.source_objects] },
        { sid = "ReadSpec", actions = ["s3:GetObject"], resources = [local.spec_object] },
        { sid = "WriteRunRecords", actions = ["s3:PutObject"], resources = [local.runs_objects] },
      ]
    }
    process_batch = {
      # Arrow's S3 filesystem may list a prefix to tell a "directory" from an object.
      list = [
        { bucket = local.source_arn, prefix = var.source_location.prefix },
        { bucket = local.control_arn, prefix = local.staging_prefix },
        { bucket = local.quarantine_arn, prefix = local.quarantine_prefix },
      ]
      statements = [
        { sid = "ReadSource", actions = ["s3:GetObject"], resources = [local.source_objects] },
        { sid = "ReadControl", actions = ["s3:GetObject"], resources = [local.spec_object, local.runs_objects] },
        { sid = "WriteStaging", actions = ["s3:PutObject", "s3:AbortMultipartUpload"], resources = [local.staging_objects] },
        { sid = "WriteResults", actions = ["s3:PutObject"], resources = [local.results_objects] },
        { sid = "WriteFailureRecords", actions = ["s3:PutObject"], resources = [local.failure_records] },
        { sid = "WriteQuarantine", actions = ["s3:PutObject", "s3:AbortMultipartUpload"], resources = [local.quarantine_objs] },
      ]
    }
    dedupe = {
      list = [{ bucket = local.control_arn, prefix = local.staging_prefix }]
      statements = [
        { sid = "ReadControl", actions = ["s3:GetObject"], resources = [local.spec_object, local.runs_objects, local.staging_objects] },
        { sid = "WriteStaging", actions = ["s3:PutObject", "s3:AbortMultipartUpload"], resources = [local.staging_objects] },
        { sid = "WriteResults", actions = ["s3:PutObject"], resources = [local.results_objects] },
      ]
    }
    commit = {
      list = [
        { bucket = local.control_arn, prefix = local.runs_prefix },
        { bucket = local.control_arn, prefix = local.staging_prefix },
        { bucket = local.target_arn, prefix = var.target.prefix },
      ]
      statements = [
        { sid = "ReadRunRecords", actions = ["s3:GetObject"], resources = [local.spec_object, local.runs_objects] },
        { sid = "WriteCommitRecords", actions = ["s3:PutObject"], resources = local.commit_objects },
        { sid = "CommitLease", actions = ["s3:GetObject", "s3:PutObject"], resources = [local.lease_object] },
        { sid = "ReadOwnerMarkers", actions = ["s3:GetObject"], resources = [local.owner_markers] },
        { sid = "MoveStaging", actions = ["s3:GetObject", "s3:DeleteObject"], resources = [local.staging_objects] },
        { sid = "PublishTarget", actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], resources = [local.target_objects] },
        {
          sid = "CatalogTable"
          actions = [
            "glue:GetDatabase",
            "glue:GetTable",
            "glue:CreateTable",
            "glue:UpdateTable",
            "glue:GetPartition",
            "glue:GetPartitions",
            "glue:BatchGetPartition",
            "glue:CreatePartition",
            "glue:BatchCreatePartition",
            "glue:UpdatePartition",
            "glue:BatchUpdatePartition",
            "glue:DeletePartition",
            "glue:BatchDeletePartition",
          ]
          resources = local.glue_catalog
        },
      ]
    }
    # Download stage: list the remote files, check the landed copies and their records, plan the copies.
    download_list = {
      list = [
        { bucket = local.source_arn, prefix = var.source_location.prefix },
        { bucket = local.control_arn, prefix = local.downloads_prefix },
      ]
      statements = [
        { sid = "ReadSpec", actions = ["s3:GetObject"], resources = [local.spec_object] },
        { sid = "ReadLanded", actions = ["s3:GetObject"], resources = [local.source_objects] },
        { sid = "StartRangedUploads", actions = ["s3:PutObject"], resources = [local.source_objects] },
        { sid = "ReadDownloadRecords", actions = ["s3:GetObject"], resources = [local.download_records] },
        { sid = "WriteDownloadItems", actions = ["s3:PutObject"], resources = [local.download_items] },
      ]
    }
    download_file = {
      list = []
      statements = [
        { sid = "ReadSpec", actions = ["s3:GetObject"], resources = [local.spec_object] },
        { sid = "WriteLanded", actions = ["s3:PutObject", "s3:AbortMultipartUpload"], resources = [local.source_objects] },
        { sid = "WriteDownloadRecords", actions = ["s3:PutObject"], resources = [local.download_records] },
        { sid = "WriteFailureRecords", actions = ["s3:PutObject", "s3:DeleteObject"], resources = [local.failure_records] },
      ]
    }
    download_finish = {
      list = []
      statements = [
        { sid = "ReadSpec", actions = ["s3:GetObject"], resources = [local.spec_object] },
        { sid = "ReadDownloadItems", actions = ["s3:GetObject"], resources = [local.download_items] },
        { sid = "CompleteLanded", actions = ["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"], resources = [local.source_objects] },
        { sid = "WriteDownloadRecords", actions = ["s3:PutObject"], resources = [local.download_records] },
      ]
    }
    # The failure path's root cause: reads the failed batches' records and checks for their results.
    failure = {
      list = [{ bucket = local.control_arn, prefix = local.runs_prefix }]
      statements = [
        { sid = "ReadRunRecords", actions = ["s3:GetObject"], resources = [local.runs_objects] },
      ]
    }
  }
}

################################################################################
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.functions

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

################################################################################
# IAM: one role per function
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.functions

  name                 = each.value
  description          = "Lockgate ${var.import_name}: ${each.key} Lambda"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "this" {
  for_each = local.functions

  statement {
    sid     = "WriteOwnLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # The log group's ARN spelled out (the group is /aws/lambda/<function>): referring to the group resource
    # would defer this document to apply time, so no plan could show the role's policy.
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${each.value}:*"]
  }

  # X-Ray trace segments cannot be scoped to a resource (the action has no resource type).
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "UseDeploymentKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  dynamic "statement" {
    for_each = local.permissions[each.key].list
    content {
      sid       = "ListPrefix${statement.key}"
      actions   = ["s3:ListBucket"]
      resources = [statement.value.bucket]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = [statement.value.prefix, "${statement.value.prefix}*"]
      }
    }
  }

  # Only the functions that talk to the remote server read its named secret or parameter.
  dynamic "statement" {
    for_each = contains(["download_list", "download_file"], each.key) ? local.credential_reads : []
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  dynamic "statement" {
    for_each = local.permissions[each.key].statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "this" {
  for_each = local.functions

  name   = "least-privilege"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.this[each.key].json
}

################################################################################
# Functions
################################################################################

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:invoked synchronously by Step Functions, whose Retry/Catch and SNS alert handle failures; an async DLQ would never receive anything
  #checkov:skip=CKV_AWS_117:the functions talk only to S3, Glue and CloudWatch APIs; VPC placement is an organisation-level choice
  #checkov:skip=CKV_AWS_272:code signing needs an AWS Signer profile the framework cannot assume exists
  for_each = local.functions

  function_name = each.value
  description   = "Lockgate ${var.import_name}: ${each.key}"
  role          = aws_iam_role.this[each.key].arn
  handler       = local.handlers[each.key]
  runtime       = "python3.12"
  architectures = [var.architecture]

  filename         = var.package.code_zip
  source_code_hash = filebase64sha256(var.package.code_zip)
  layers           = var.package.layer_arns

  memory_size                    = var.runtime[each.key].memory_mb
  timeout                        = var.runtime[each.key].timeout_s
  reserved_concurrent_executions = lookup(var.reserved_concurrency, each.key, -1)
  kms_key_arn                    = var.kms_key_arn

  ephemeral_storage {
    size = var.runtime[each.key].ephemeral_storage_mb
  }

  environment {
    variables = merge(var.extra_environment, var.runtime[each.key].environment, {
      POWERTOOLS_SERVICE_NAME      = "${var.name_prefix}-${var.import_name}"
      POWERTOOLS_METRICS_NAMESPACE = var.powertools.metrics_namespace
      POWERTOOLS_LOG_LEVEL         = var.powertools.log_level
    })
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}
