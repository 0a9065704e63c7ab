data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  template_vars = {
    plan_function_arn            = lookup(var.lambda_function_arns, "plan", "")
    process_batch_function_arn   = lookup(var.lambda_function_arns, "process_batch", "")
    dedupe_function_arn          = lookup(var.lambda_function_arns, "dedupe", "")
    commit_function_arn          = lookup(var.lambda_function_arns, "commit", "")
    failure_function_arn         = lookup(var.lambda_function_arns, "failure", "")
    download_list_function_arn   = lookup(var.lambda_function_arns, "download_list", "")
    download_file_function_arn   = lookup(var.lambda_function_arns, "download_file", "")
    download_finish_function_arn = lookup(var.lambda_function_arns, "download_finish", "")
    glue_job_name                = var.glue_job_name != null ? var.glue_job_name : ""
    crawler_name                 = var.crawler_name != null ? var.crawler_name : ""
    sns_topic_arn                = var.sns_topic_arn != null ? var.sns_topic_arn : ""
    success_topic_arn            = var.success_topic_arn != null ? var.success_topic_arn : ""
    control_bucket               = var.control_bucket
    spec_key                     = var.spec_key
  }

  # The placeholders the template uses, read from the template itself; each must get a value.
  template_placeholders = distinct(flatten(regexall("\\$\\{([a-z_]+)\\}", file(var.definition_template))))
  missing_placeholders  = [for p in local.template_placeholders : p if lookup(local.template_vars, p, "") == ""]

  definition = templatefile(var.definition_template, local.template_vars)

  # What the definition actually calls: every "Resource" (Task states, ItemReader, ResultWriter).
  resources_used = toset(flatten(regexall("\"Resource\"\\s*:\\s*\"([^\"]+)\"", local.definition)))
  distributed    = length(regexall("\"Mode\"\\s*:\\s*\"DISTRIBUTED\"", local.definition)) > 0

  # Only the functions the definition names, exactly (quoted), are invocable.
  invoked_functions = sort([for arn in values(var.lambda_function_arns) : arn if strcontains(local.definition, "\"${arn}\"")])

  arn_prefix   = "arn:${local.partition}"
  glue_job_arn = "${local.arn_prefix}:glue:${local.region}:${local.account_id}:job/${local.template_vars.glue_job_name}"
  crawler_arn  = "${local.arn_prefix}:glue:${local.region}:${local.account_id}:crawler/${local.template_vars.crawler_name}"
  self_arn     = "${local.arn_prefix}:states:${local.region}:${local.account_id}:stateMachine:${var.name}"
  # A Distributed Map's child executions are named NAME/LABEL:ID; the parent execution itself is NAME:ID.
  self_execs = [
    "${local.arn_prefix}:states:${local.region}:${local.account_id}:execution:${var.name}/*",
    "${local.arn_prefix}:states:${local.region}:${local.account_id}:execution:${var.name}:*",
  ]
  runs_objects = "${local.arn_prefix}:s3:::${var.control_bucket}/runs/${var.import_name}/*"
  control_arn  = "${local.arn_prefix}:s3:::${var.control_bucket}"
  # Only the topics the definition names, exactly (quoted), may be published to.
  topic_arns    = sort([for t in [local.template_vars.sns_topic_arn, local.template_vars.success_topic_arn] : t if t != "" && strcontains(local.definition, "\"${t}\"")])
  uses_key      = length(setintersection(local.resources_used, ["arn:aws:states:::sns:publish", "arn:aws:states:::s3:getObject", "arn:aws:states:::s3:putObject"])) > 0
  key_resources = local.uses_key ? [var.kms_key_arn] : []

  # The data map: service integration -> the IAM statements it needs (Step Functions developer
  # guide, "IAM policies for integrated services" and "Distributed Map IAM policies").
  integration_statements = {
    "arn:aws:states:::lambda:invoke" = [
      { actions = ["lambda:InvokeFunction"], resources = concat(local.invoked_functions, [for a in local.invoked_functions : "${a}:*"]) },
    ]
    "arn:aws:states:::glue:startJobRun.sync" = [
      { actions = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"], resources = [local.glue_job_arn] },
    ]
    "arn:aws:states:::glue:startJobRun" = [
      { actions = ["glue:StartJobRun"], resources = [local.glue_job_arn] },
    ]
    "arn:aws:states:::aws-sdk:glue:startCrawler" = [
      { actions = ["glue:StartCrawler"], resources = [local.crawler_arn] },
    ]
    "arn:aws:states:::aws-sdk:glue:getCrawler" = [
      { actions = ["glue:GetCrawler"], resources = [local.crawler_arn] },
    ]
    "arn:aws:states:::sns:publish" = [
      { actions = ["sns:Publish"], resources = local.topic_arns },
    ]
    # Distributed Map ItemReader reading the run's batches.json from the control bucket.
    "arn:aws:states:::s3:getObject" = [
      { actions = ["s3:GetObject"], resources = [local.runs_objects] },
    ]
    # Distributed Map ResultWriter writing the map run's results under the run's prefix.
    "arn:aws:states:::s3:putObject" = [
      { actions = ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"], resources = [local.runs_objects] },
    ]
  }

  unknown_integrations = sort(tolist(setsubtract(local.resources_used, keys(local.integration_statements))))

  # A Distributed Map runs its iterations as child executions of this state machine.
  distributed_statements = local.distributed ? [
    { actions = ["states:StartExecution"], resources = [local.self_arn] },
    { actions = ["states:DescribeExecution", "states:StopExecution"], resources = local.self_execs },
  ] : []

  statements = concat(
    flatten([for r in sort(tolist(local.resources_used)) : lookup(local.integration_statements, r, [])]),
    local.distributed_statements,
    [for k in local.key_resources : { actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [k] }],
  )
}

################################################################################
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

################################################################################
# IAM
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = "Lockgate state machine ${var.name}"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "integrations" {
  dynamic "statement" {
    for_each = local.statements
    content {
      sid       = "Integration${statement.key}"
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "integrations" {
  name   = "integrations"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.integrations.json

  lifecycle {
    precondition {
      condition     = length(local.unknown_integrations) == 0
      error_message = "The definition of ${var.name} calls integrations this module has no IAM mapping for: ${join(", ", local.unknown_integrations)}. Add them to integration_statements in terraform/modules/state_machine/main.tf."
    }
  }
}

# Log delivery and X-Ray actions have no resource type; AWS documents "*" as their only resource.
data "aws_iam_policy_document" "observability" {
  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "observability" {
  name   = "observability"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.observability.json
}

################################################################################
# State machine
################################################################################

resource "aws_sfn_state_machine" "this" {
  name       = var.name
  role_arn   = aws_iam_role.this.arn
  definition = local.definition
  type       = "STANDARD"

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = true
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(local.missing_placeholders) == 0
      error_message = "The definition template ${var.definition_template} uses placeholders that got no value: ${join(", ", local.missing_placeholders)}."
    }
  }

  depends_on = [aws_iam_role_policy.integrations, aws_iam_role_policy.observability]
}
