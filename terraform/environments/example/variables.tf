variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-central-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-central-1."
  }
}

variable "name" {
  description = "Name prefix of every resource of this deployment."
  type        = string
  default     = "lockgate"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.name))
    error_message = "name must be 1-16 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "render_dir" {
  description = "Directory written by `lockgate render --out DIR` (imports.json and one folder per import)."
  type        = string
  default     = "../../../build/render"

  validation {
    condition     = length(var.render_dir) > 0
    error_message = "render_dir must not be empty."
  }
}

variable "package_dir" {
  description = "Directory written by `make package` (lambda/code.zip, lambda/layer.zip, glue/job.py, glue/lockgate.zip)."
  type        = string
  default     = "../../../build/package"

  validation {
    condition     = length(var.package_dir) > 0
    error_message = "package_dir must not be empty."
  }
}

variable "buckets" {
  description = "Bucket names (globally unique). The imports' source and target URIs must point into raw and lake."
  type = object({
    raw     = string
    lake    = string
    control = string
    logs    = string
  })
  # The repo's example specs (examples/imports) read s3://acme-raw and write s3://acme-lake, and
  # lockgate.yaml names s3://lockgate-control/ as the control location.
  default = {
    raw     = "acme-raw"
    lake    = "acme-lake"
    control = "lockgate-control"
    logs    = "lockgate-access-logs"
  }

  validation {
    condition     = length(distinct(values(var.buckets))) == 4
    error_message = "raw, lake, control and logs must be four different buckets."
  }
}

variable "external_buckets" {
  description = "Buckets managed outside this environment that imports may read from or write to (the roles are scoped to them by name)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for b in var.external_buckets : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", b))])
    error_message = "external_buckets must be S3 bucket names."
  }
}

variable "retention" {
  description = "Lifecycle retention in days for staging, run records, Athena results, old versions and access logs (see the storage module)."
  type = object({
    staging_days        = optional(number, 7)
    runs_days           = optional(number, 90)
    athena_results_days = optional(number, 30)
    noncurrent_days     = optional(number, 30)
    access_logs_days    = optional(number, 365)
  })
  default = {}

  validation {
    condition     = alltrue([for d in values(var.retention) : d >= 1])
    error_message = "Every retention value must be at least 1 day."
  }
}

variable "notification_subscriptions" {
  description = "Subscriptions to the failure topic, e.g. [{ protocol = \"email\", endpoint = \"data-team@example.com\" }]."
  type = list(object({
    protocol             = string
    endpoint             = string
    raw_message_delivery = optional(bool, false)
    filter_policy        = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.notification_subscriptions : contains(["email", "email-json", "sqs", "lambda", "https", "sms", "firehose"], s.protocol)])
    error_message = "protocol must be one of email, email-json, sqs, lambda, https, sms, firehose."
  }
}

variable "run_notification_subscriptions" {
  description = "Subscriptions to the runs topic (successful runs of imports with notifications.on_success), same shape as notification_subscriptions."
  type = list(object({
    protocol             = string
    endpoint             = string
    raw_message_delivery = optional(bool, false)
    filter_policy        = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.run_notification_subscriptions : contains(["email", "email-json", "sqs", "lambda", "https", "sms", "firehose"], s.protocol)])
    error_message = "protocol must be one of email, email-json, sqs, lambda, https, sms, firehose."
  }
}

variable "lambda_architecture" {
  description = "Lambda instruction set; must match the platform `make package` built the layer for."
  type        = string
  default     = "x86_64"

  validation {
    # `make package` builds the dependency layer from manylinux x86_64 wheels only; an arm64 function
    # would load x86_64 binaries (pyarrow, DuckDB) and fail at its first import.
    condition     = var.lambda_architecture == "x86_64"
    error_message = "lambda_architecture must be x86_64: `make package` builds the layer from x86_64 wheels only."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Optional reserved concurrency per import and function, e.g. { orders = { process_batch = 20 } }."
  type        = map(map(number))
  default     = {}

  validation {
    condition     = alltrue(flatten([for i in values(var.lambda_reserved_concurrency) : [for v in values(i) : v >= 0]]))
    error_message = "Reserved concurrency must be >= 0."
  }
}

variable "glue_max_concurrent_runs" {
  description = "Concurrent runs allowed per import's Glue job unless the render output sets glue.max_concurrent_runs."
  type        = number
  default     = 1

  validation {
    condition     = var.glue_max_concurrent_runs >= 1 && var.glue_max_concurrent_runs <= 50
    error_message = "glue_max_concurrent_runs must be 1-50."
  }
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the functions."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "metrics_namespace" {
  description = "POWERTOOLS_METRICS_NAMESPACE of the functions."
  type        = string
  default     = "Lockgate"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_.#:-]{1,255}$", var.metrics_namespace))
    error_message = "metrics_namespace must be a valid CloudWatch namespace."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group (functions, state machines)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts."
  }
}

variable "schedules_enabled" {
  description = "Whether the imports' schedules fire (false deploys them disabled)."
  type        = bool
  default     = true

  validation {
    condition     = var.schedules_enabled != null
    error_message = "schedules_enabled must be true or false."
  }
}

variable "force_destroy" {
  description = "Allow destroying non-empty buckets and workgroups (throw-away environments only)."
  type        = bool
  default     = false

  validation {
    condition     = var.force_destroy != null
    error_message = "force_destroy must be true or false."
  }
}

variable "tags" {
  description = "Tags applied to every resource (provider default_tags)."
  type        = map(string)
  default = {
    project     = "lockgate"
    environment = "example"
  }

  validation {
    condition     = alltrue([for k in keys(var.tags) : length(k) <= 128])
    error_message = "Tag keys must be at most 128 characters."
  }
}
