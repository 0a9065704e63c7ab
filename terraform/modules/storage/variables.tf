variable "name" {
  description = "Name prefix of the deployment; used for the KMS alias (alias/NAME) and tags."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "buckets" {
  description = "Bucket names: raw (sources land here), lake (published tables), control (manifests, staging, run records, specs, Glue scripts, Athena results) and logs (S3 server access logs)."
  type = object({
    raw     = string
    lake    = string
    control = string
    logs    = string
  })

  validation {
    condition = alltrue([
      for b in values(var.buckets) : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", b))
    ])
    error_message = "Every bucket name must be a valid S3 bucket name (3-63 characters: a-z, 0-9, '.', '-')."
  }

  validation {
    condition     = length(distinct(values(var.buckets))) == 4
    error_message = "raw, lake, control and logs must be four different buckets."
  }
}

variable "retention" {
  description = "Retention in days: staging_days (run-scoped staging under control staging/), runs_days (run records under control runs/), athena_results_days, noncurrent_days (old object versions in data buckets), access_logs_days."
  type = object({
    staging_days        = optional(number, 7)
    runs_days           = optional(number, 90)
    athena_results_days = optional(number, 30)
    noncurrent_days     = optional(number, 30)
    access_logs_days    = optional(number, 365)
  })
  default = {}

  validation {
    condition     = alltrue([for d in values(var.retention) : d >= 1 && floor(d) == d])
    error_message = "Every lifecycle value must be a whole number of days >= 1."
  }

  validation {
    condition     = var.retention.runs_days >= var.retention.staging_days
    error_message = "runs_days must be >= staging_days: a run record must outlive the staging data it describes."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the customer-managed key is deleted after destroy."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete non-empty buckets (for throw-away environments only)."
  type        = bool
  default     = false

  validation {
    condition     = var.force_destroy != null
    error_message = "force_destroy must be true or false."
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
