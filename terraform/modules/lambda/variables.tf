variable "import_name" {
  description = "Name of the import (the spec's `name`); part of every resource name and of the run prefixes runs/<import>/ and staging/<import>/."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_-]{0,29}$", var.import_name))
    error_message = "import_name must start with a lower-case letter and use at most 30 of a-z, 0-9, '_' and '-'."
  }
}

variable "name_prefix" {
  description = "Prefix of function and role names (<prefix>-<import>-<function>)."
  type        = string
  default     = "lockgate"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.name_prefix))
    error_message = "name_prefix must be 1-16 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "functions" {
  description = "Which of the import's functions to create: the ones its state machine calls (plan, process_batch, dedupe, commit, failure; download_list, download_file, download_finish for https:// and sftp:// sources)."
  type        = set(string)
  default     = ["plan", "process_batch", "dedupe", "commit", "failure"]

  validation {
    condition     = length(setsubtract(var.functions, ["plan", "process_batch", "dedupe", "commit", "failure", "download_list", "download_file", "download_finish"])) == 0 && length(var.functions) > 0
    error_message = "functions must be a non-empty subset of plan, process_batch, dedupe, commit, failure, download_list, download_file, download_finish."
  }
}

variable "package" {
  description = "The Lambda package from `make package`: code_zip is the path of build/package/lambda/code.zip; layer_arns are the layer versions holding build/package/lambda/layer.zip."
  type = object({
    code_zip   = string
    layer_arns = optional(list(string), [])
  })

  validation {
    condition     = endswith(var.package.code_zip, ".zip")
    error_message = "package.code_zip must be the path of a .zip file (build/package/lambda/code.zip)."
  }

  validation {
    condition     = length(var.package.layer_arns) <= 5 && alltrue([for a in var.package.layer_arns : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:.+:[0-9]+$", a))])
    error_message = "package.layer_arns must be at most 5 versioned layer ARNs."
  }
}

variable "architecture" {
  description = "Instruction set of the functions; must match the platform the dependency layer was built for."
  type        = string
  default     = "x86_64"

  validation {
    # `make package` builds the dependency layer from manylinux x86_64 wheels only; an arm64 function
    # would load x86_64 binaries (pyarrow, DuckDB) and fail at its first import.
    condition     = var.architecture == "x86_64"
    error_message = "architecture must be x86_64: `make package` builds the layer from x86_64 wheels only."
  }
}

variable "control_bucket" {
  description = "Name of the control bucket (LOCKGATE_CONTROL_URI = s3://<control_bucket>/)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.control_bucket))
    error_message = "control_bucket must be a valid S3 bucket name."
  }
}

variable "spec_key" {
  description = "Key of the import's canonical spec JSON in the control bucket (rendered `spec_key`, e.g. specs/orders.json)."
  type        = string

  validation {
    condition     = can(regex("^specs/[^/]+\\.json$", var.spec_key))
    error_message = "spec_key must look like specs/<import>.json (see docs/contracts.md, Locations)."
  }
}

variable "source_location" {
  description = "The import's source (rendered `source`): bucket and key prefix the plan lists and the engines read."
  type = object({
    bucket = string
    prefix = string
  })

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.source_location.bucket)) && !startswith(var.source_location.prefix, "/")
    error_message = "source_location.bucket must be a bucket name and source_location.prefix a key prefix without a leading '/'."
  }
}

variable "download_credentials" {
  description = "An https:// or sftp:// import's named credentials (rendered `download`): the download functions may read exactly this Secrets Manager secret or SSM parameter, nothing else."
  type = object({
    secret    = optional(string)
    parameter = optional(string)
  })
  default = {}

  validation {
    condition     = var.download_credentials.secret == null || can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.download_credentials.secret))
    error_message = "download_credentials.secret must be a Secrets Manager secret name (not an ARN)."
  }

  validation {
    condition     = var.download_credentials.parameter == null || can(regex("^[A-Za-z0-9_./-]{1,1011}$", var.download_credentials.parameter))
    error_message = "download_credentials.parameter must be an SSM parameter name."
  }
}

variable "target" {
  description = "The import's target (rendered `target`): Glue database and table, bucket and prefix commit publishes to, and the quarantine URI the engines write rejected rows to."
  type = object({
    database   = string
    table      = string
    bucket     = string
    prefix     = string
    quarantine = string
  })

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.target.database)) && can(regex("^[a-z0-9_]{1,255}$", var.target.table))
    error_message = "target.database and target.table must be Glue names (a-z, 0-9, '_')."
  }

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/", var.target.quarantine)) && length(var.target.prefix) > 0
    error_message = "target.quarantine must be an s3://bucket/prefix/ URI and target.prefix must not be empty (commit deletes under it)."
  }
}

variable "runtime" {
  description = "Each function's runtime configuration, by function: the import's rendered `functions` (orchestration.wiring, the same the local runner uses)."
  type = map(object({
    handler              = string
    memory_mb            = number
    timeout_s            = number
    ephemeral_storage_mb = number
    environment          = map(string)
  }))

  validation {
    condition = alltrue([for f in values(var.runtime) :
      f.memory_mb >= 128 && f.memory_mb <= 10240 && f.timeout_s >= 1 && f.timeout_s <= 900 &&
    f.ephemeral_storage_mb >= 512 && f.ephemeral_storage_mb <= 10240])
    error_message = "runtime: memory_mb must be 128-10240, timeout_s 1-900 and ephemeral_storage_mb 512-10240 (Lambda limits)."
  }

  validation {
    condition     = alltrue([for f in values(var.runtime) : can(regex("^lambdas\\.handlers\\.[a-z_]+\\.handler$", f.handler))])
    error_message = "runtime: every handler must be lambdas.handlers.<module>.handler."
  }
}

variable "reserved_concurrency" {
  description = "Optional reserved concurrency per function name (e.g. { process_batch = 20 }); functions not listed are unreserved."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.reserved_concurrency : contains(["plan", "process_batch", "dedupe", "commit", "failure", "download_list", "download_file", "download_finish"], k) && v >= 0 && floor(v) == v])
    error_message = "reserved_concurrency keys must be function names and values whole numbers >= 0."
  }
}

variable "powertools" {
  description = "Powertools for AWS Lambda settings: metrics namespace and log level."
  type = object({
    metrics_namespace = optional(string, "Lockgate")
    log_level         = optional(string, "INFO")
  })
  default = {}

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.powertools.log_level) && length(var.powertools.metrics_namespace) > 0
    error_message = "powertools.log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL; metrics_namespace must not be empty."
  }
}

variable "extra_environment" {
  description = "Additional environment variables; the POWERTOOLS_* and the rendered runtime variables always win."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.extra_environment) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", k))])
    error_message = "extra_environment keys must be valid environment variable names."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key: encrypts log groups and environment variables; the roles may use it for SSE-KMS objects."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' CloudWatch log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ..., 365, ..., 3653)."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for the function roles."
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
