variable "name" {
  description = "State machine name (rendered `state_machine_name`); also the name of its role and log group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits, '_' and '-'."
  }
}

variable "import_name" {
  description = "Name of the import; the Distributed Map reads its items from the control bucket under runs/<import>/."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_-]{0,29}$", var.import_name))
    error_message = "import_name must start with a lower-case letter and use at most 30 of a-z, 0-9, '_' and '-'."
  }
}

variable "definition_template" {
  description = "Path of the rendered definition.asl.json (a templatefile template with the placeholders listed in docs/contracts.md)."
  type        = string

  validation {
    condition     = endswith(var.definition_template, ".json")
    error_message = "definition_template must be the path of the rendered definition.asl.json."
  }
}

variable "lambda_function_arns" {
  description = "ARNs of the import's functions by name (plan, process_batch, dedupe, commit, failure); only those the definition names are invocable."
  type        = map(string)

  validation {
    condition     = alltrue([for k, v in var.lambda_function_arns : contains(["plan", "process_batch", "dedupe", "commit", "failure", "download_list", "download_file", "download_finish"], k) && can(regex("^arn:aws[a-z-]*:lambda:", v))])
    error_message = "lambda_function_arns keys must be plan, process_batch, dedupe, commit, failure or a download_* function, and values Lambda function ARNs."
  }
}

variable "glue_job_name" {
  description = "Name of the import's Glue job (fills glue_job_name); null when the definition has no Glue branch."
  type        = string
  default     = null

  validation {
    condition     = var.glue_job_name == null || can(regex("^[A-Za-z0-9_.-]{1,255}$", var.glue_job_name))
    error_message = "glue_job_name must be a Glue job name or null."
  }
}

variable "crawler_name" {
  description = "Name of the import's Glue crawler (fills crawler_name); null when the import has no crawler."
  type        = string
  default     = null

  validation {
    condition     = var.crawler_name == null || can(regex("^[A-Za-z0-9_.-]{1,255}$", var.crawler_name))
    error_message = "crawler_name must be a Glue crawler name or null."
  }
}

variable "sns_topic_arn" {
  description = "ARN of the failure notification topic (fills sns_topic_arn); null when the definition does not notify."
  type        = string
  default     = null

  validation {
    condition     = var.sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:", var.sns_topic_arn))
    error_message = "sns_topic_arn must be an SNS topic ARN or null."
  }
}

variable "success_topic_arn" {
  description = "ARN of the run notification topic for successful runs (fills success_topic_arn); null when the definition does not notify on success."
  type        = string
  default     = null

  validation {
    condition     = var.success_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:", var.success_topic_arn))
    error_message = "success_topic_arn must be an SNS topic ARN or null."
  }
}

variable "control_bucket" {
  description = "Name of the control bucket (fills control_bucket)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.control_bucket))
    error_message = "control_bucket must be a valid S3 bucket name."
  }
}

variable "spec_key" {
  description = "Key of the import's spec JSON in the control bucket (fills spec_key)."
  type        = string

  validation {
    condition     = can(regex("^specs/[^/]+\\.json$", var.spec_key))
    error_message = "spec_key must look like specs/<import>.json."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key: encrypts the log group; the role may use it for the encrypted topic and the control bucket."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Retention of the execution log group."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ..., 365, ..., 3653)."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for the state machine role."
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
