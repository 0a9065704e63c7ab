variable "name" {
  description = "Name of the schedule; also the prefix of its role and dead-letter queue (usually the state machine name)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,48}$", var.name))
    error_message = "name must be 1-48 characters of letters, digits, '_', '.' and '-' (room for the -schedule-dlq suffix)."
  }
}

variable "import_name" {
  description = "Name of the import; sent as `import` in the execution input."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_-]{0,29}$", var.import_name))
    error_message = "import_name must start with a lower-case letter and use at most 30 of a-z, 0-9, '_' and '-'."
  }
}

variable "state_machine_arn" {
  description = "ARN of the import's state machine; the only thing the schedule's role may start."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:", var.state_machine_arn))
    error_message = "state_machine_arn must be a Step Functions state machine ARN."
  }
}

variable "schedule" {
  description = "The import's rendered `schedule`: expression (cron(...), rate(...) or at(...)), timezone (IANA) and optional extra input."
  type = object({
    expression = string
    timezone   = optional(string, "UTC")
    input      = optional(map(string), {})
  })

  validation {
    condition     = can(regex("^(cron|rate|at)\\(.+\\)$", var.schedule.expression))
    error_message = "schedule.expression must be cron(...), rate(...) or at(...)."
  }

  validation {
    condition     = can(regex("^(UTC|[A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$", var.schedule.timezone))
    error_message = "schedule.timezone must be UTC or an IANA time zone name such as Europe/Berlin."
  }
}

variable "group_name" {
  description = "Schedule group."
  type        = string
  default     = "default"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,64}$", var.group_name))
    error_message = "group_name must be 1-64 characters of letters, digits, '_', '.' and '-'."
  }
}

variable "enabled" {
  description = "Whether the schedule fires."
  type        = bool
  default     = true

  validation {
    condition     = var.enabled != null
    error_message = "enabled must be true or false."
  }
}

variable "flexible_window_minutes" {
  description = "Flexible time window in minutes; 0 fires exactly on time."
  type        = number
  default     = 0

  validation {
    condition     = var.flexible_window_minutes >= 0 && var.flexible_window_minutes <= 1440
    error_message = "flexible_window_minutes must be 0-1440."
  }
}

variable "retry" {
  description = "Scheduler retry policy for failed StartExecution calls (not failed runs: those are the state machine's)."
  type = object({
    maximum_event_age_seconds = optional(number, 3600)
    maximum_attempts          = optional(number, 10)
  })
  default = {}

  validation {
    condition     = var.retry.maximum_event_age_seconds >= 60 && var.retry.maximum_event_age_seconds <= 86400 && var.retry.maximum_attempts >= 0 && var.retry.maximum_attempts <= 185
    error_message = "retry.maximum_event_age_seconds must be 60-86400 and maximum_attempts 0-185."
  }
}

variable "dlq_retention_seconds" {
  description = "How long undelivered schedule invocations stay in the dead-letter queue."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_retention_seconds >= 60 && var.dlq_retention_seconds <= 1209600
    error_message = "dlq_retention_seconds must be 60-1209600 (14 days)."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key encrypting the schedule and its dead-letter queue."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for the schedule role."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN or null."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.tags) : length(k) <= 128])
    error_message = "Tag keys must be at most 128 characters."
  }
}
