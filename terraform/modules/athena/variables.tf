variable "name" {
  description = "Name of the Athena workgroup."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters of letters, digits, '.', '_' and '-'."
  }
}

variable "control_bucket" {
  description = "Control bucket that holds query results under results_prefix."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.control_bucket))
    error_message = "control_bucket must be a valid S3 bucket name."
  }
}

variable "results_prefix" {
  description = "Key prefix for query results in the control bucket (expired by the storage module's lifecycle rule)."
  type        = string
  default     = "athena-results/"

  validation {
    condition     = can(regex("^[a-z0-9_-]+(/[a-z0-9_-]+)*/$", var.results_prefix))
    error_message = "results_prefix must be a key prefix ending in '/'."
  }
}

variable "expected_bucket_owner" {
  description = "Account ID that must own the results bucket; null skips the check."
  type        = string
  default     = null

  validation {
    condition     = var.expected_bucket_owner == null || can(regex("^[0-9]{12}$", var.expected_bucket_owner))
    error_message = "expected_bucket_owner must be a 12-digit account ID or null."
  }
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Upper limit of data one query may scan, in bytes (cost guard)."
  type        = number
  default     = 107374182400

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760
    error_message = "bytes_scanned_cutoff_per_query must be at least 10 MB (Athena's minimum)."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key encrypting query results (SSE_KMS)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "force_destroy" {
  description = "Allow destroying the workgroup while it still has named queries."
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

variable "runs_table" {
  description = "The runs table every run's measured cost lands in (the render's runs_table, orchestration.metering.table): catalog database, table name, description, Parquet location under the control bucket and columns. null: no runs table."
  type = object({
    database    = string
    name        = string
    description = string
    location    = string
    columns = list(object({
      name    = string
      type    = string
      comment = optional(string)
    }))
  })
  default = null

  validation {
    condition     = var.runs_table == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+/$", var.runs_table.location))
    error_message = "runs_table.location must be an s3:// prefix ending in '/'."
  }
}
