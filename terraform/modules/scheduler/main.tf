data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
}

################################################################################
# Dead-letter queue: invocations Scheduler could not deliver after its retries
################################################################################

resource "aws_sqs_queue" "dlq" {
  name                              = "${var.name}-schedule-dlq"
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = var.dlq_retention_seconds
  tags                              = var.tags
}

################################################################################
# Role: may start exactly this one state machine
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = "${var.name}-schedule"
  description          = "EventBridge Scheduler: starts ${var.name}"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "StartImport"
    actions   = ["states:StartExecution"]
    resources = [var.state_machine_arn]
  }

  statement {
    sid       = "DeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  statement {
    sid       = "EncryptDeadLetter"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "start-state-machine"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

################################################################################
# Schedule
################################################################################

resource "aws_scheduler_schedule" "this" {
  name        = var.name
  group_name  = var.group_name
  description = "Lockgate import ${var.import_name}"
  state       = var.enabled ? "ENABLED" : "DISABLED"

  schedule_expression          = var.schedule.expression
  schedule_expression_timezone = var.schedule.timezone
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode                      = var.flexible_window_minutes > 0 ? "FLEXIBLE" : "OFF"
    maximum_window_in_minutes = var.flexible_window_minutes > 0 ? var.flexible_window_minutes : null
  }

  target {
    arn      = var.state_machine_arn
    role_arn = aws_iam_role.this.arn
    # No window here: plan derives it from the execution start time and the spec's window policy.
    input = jsonencode(merge(var.schedule.input, { import = var.import_name, mode = "scheduled" }))

    retry_policy {
      maximum_event_age_in_seconds = var.retry.maximum_event_age_seconds
      maximum_retry_attempts       = var.retry.maximum_attempts
    }

    dead_letter_config {
      arn = aws_sqs_queue.dlq.arn
    }
  }

  depends_on = [aws_iam_role_policy.this]
}
