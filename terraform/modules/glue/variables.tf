variable "name_prefix" {
  description = "Prefix of job, role and security configuration names (<prefix>-<import>)."
  type        = string
  default     = "lockgate"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.name_prefix))
    error_message = "name_prefix must be 1-16 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "control_bucket" {
  description = "Name of the control bucket: the script and project code are uploaded under artifacts_prefix; jobs read specs and manifests and write staging and results there."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.control_bucket))
    error_message = "control_bucket must be a valid S3 bucket name."
  }
}

variable "artifacts_prefix" {
  description = "Key prefix in the control bucket for the Glue entry script (job.py) and the project code (lockgate.zip)."
  type        = string
  default     = "glue/"

  validation {
    condition     = can(regex("^[a-z0-9_-]+(/[a-z0-9_-]+)*/$", var.artifacts_prefix))
    error_message = "artifacts_prefix must be a key prefix ending in '/', e.g. glue/."
  }
}

variable "package" {
  description = "The Glue package from `make package`: script = build/package/glue/job.py, extra_py_files = build/package/glue/lockgate.zip, wheels = the files in build/package/glue/wheels/ (the job's Python dependencies Glue does not ship, installed from S3 with --additional-python-modules)."
  type = object({
    script         = string
    extra_py_files = string
    wheels         = optional(list(string), [])
  })

  validation {
    condition     = endswith(var.package.script, ".py") && endswith(var.package.extra_py_files, ".zip")
    error_message = "package.script must be a .py file and package.extra_py_files a .zip file."
  }

  validation {
    condition     = alltrue([for w in var.package.wheels : endswith(w, ".whl")]) && length(distinct([for w in var.package.wheels : basename(w)])) == length(var.package.wheels)
    error_message = "package.wheels must be .whl files with distinct file names."
  }
}

variable "databases" {
  description = "Glue Data Catalog databases to create (every import's target database)."
  type        = set(string)

  validation {
    condition     = alltrue([for d in var.databases : can(regex("^[a-z0-9_]{1,255}$", d))])
    error_message = "Database names must use a-z, 0-9 and '_' (Athena-compatible)."
  }
}

variable "jobs" {
  description = "Glue jobs by import name, from each import's rendered terraform.json: glue settings (version, worker_type, workers, timeout_minutes), spec_key, source_location and target."
  type = map(object({
    version             = string
    worker_type         = string
    workers             = number
    timeout_minutes     = number
    max_concurrent_runs = optional(number, 1)
    spec_key            = string
    source_location = object({
      bucket = string
      prefix = string
    })
    target = object({
      database   = string
      table      = string
      quarantine = string
    })
  }))

  validation {
    condition     = alltrue([for j in values(var.jobs) : contains(["5.0", "5.1"], j.version)])
    error_message = "Glue version must be 5.0 or 5.1 (Spark 3.5, Python 3.11: the line the Glue engine is pinned to)."
  }

  validation {
    condition     = alltrue([for j in values(var.jobs) : contains(["G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X"], j.worker_type)])
    error_message = "worker_type must be a Glue 5.x worker type (G.1X, G.2X, G.4X, G.8X, G.12X, G.16X, R.1X-R.8X)."
  }

  validation {
    condition     = alltrue([for j in values(var.jobs) : j.workers >= 2 && j.timeout_minutes >= 1 && j.timeout_minutes <= 2880 && j.max_concurrent_runs >= 1])
    error_message = "workers must be >= 2, timeout_minutes 1-2880 and max_concurrent_runs >= 1."
  }

  validation {
    condition     = alltrue([for k, j in var.jobs : can(regex("^[a-z][a-z0-9_-]{0,29}$", k)) && can(regex("^s3://[^/]+/", j.target.quarantine))])
    error_message = "Job keys must be import names (a-z, 0-9, '_', '-'; at most 30) and target.quarantine an s3://bucket/prefix/ URI."
  }
}

variable "crawlers" {
  description = <<-EOT
    Glue crawlers by import name, from each import's rendered `crawler` settings (crawlers.settings.crawler_settings)
    plus its target. target_kind "s3" crawls the location; "catalog" crawls the pre-created table
    (catalog_target), used when the table name cannot be derived from the location's folder.
    table_input is the Glue TableInput the table is pre-created from (snake_case here; the environment
    maps the rendered PascalCase JSON), partition_index the index created with the table.
  EOT
  type = map(object({
    name           = string
    database       = string
    table          = string
    location       = string
    table_prefix   = optional(string, "")
    target_kind    = optional(string, "s3")
    recrawl_policy = optional(string, "CRAWL_EVERYTHING")
    schema_change_policy = optional(object({
      update_behavior = optional(string, "UPDATE_IN_DATABASE")
      delete_behavior = optional(string, "LOG")
    }), {})
    exclusions    = optional(list(string), [])
    configuration = optional(string)
    catalog_target = optional(object({
      database_name = string
      tables        = list(string)
    }))
    table_input = object({
      description = optional(string)
      table_type  = optional(string, "EXTERNAL_TABLE")
      parameters  = optional(map(string), {})
      partition_keys = optional(list(object({
        name    = string
        type    = string
        comment = optional(string)
      })), [])
      storage_descriptor = object({
        location                  = string
        input_format              = string
        output_format             = string
        compressed                = optional(bool, false)
        number_of_buckets         = optional(number, -1)
        stored_as_sub_directories = optional(bool, false)
        parameters                = optional(map(string), {})
        columns = list(object({
          name    = string
          type    = string
          comment = optional(string)
        }))
        ser_de_info = object({
          serialization_library = string
          parameters            = optional(map(string), {})
        })
      })
    })
    partition_index = optional(object({
      index_name = string
      keys       = list(string)
    }))
  }))
  default = {}

  validation {
    condition     = alltrue([for c in values(var.crawlers) : contains(["CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY", "CRAWL_EVENT_MODE"], c.recrawl_policy)])
    error_message = "recrawl_policy must be CRAWL_EVERYTHING, CRAWL_NEW_FOLDERS_ONLY or CRAWL_EVENT_MODE."
  }

  validation {
    condition = alltrue([for c in values(var.crawlers) :
      contains(["LOG", "UPDATE_IN_DATABASE"], c.schema_change_policy.update_behavior) &&
      contains(["LOG", "DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE"], c.schema_change_policy.delete_behavior)
    ])
    error_message = "schema_change_policy.update_behavior must be LOG or UPDATE_IN_DATABASE; delete_behavior LOG, DELETE_FROM_DATABASE or DEPRECATE_IN_DATABASE."
  }

  validation {
    condition = alltrue([for c in values(var.crawlers) :
      c.recrawl_policy == "CRAWL_EVERYTHING" || (c.schema_change_policy.update_behavior == "LOG" && c.schema_change_policy.delete_behavior == "LOG")
    ])
    error_message = "A crawler that crawls only new folders or events must use LOG for both schema change behaviors (a Glue API rule); use CRAWL_EVERYTHING to update the schema."
  }

  validation {
    condition     = alltrue([for c in values(var.crawlers) : can(regex("^s3://[^/]+/", c.location)) && (c.configuration == null || can(jsondecode(c.configuration)))])
    error_message = "location must be an s3://bucket/prefix/ URI and configuration, when set, a JSON document."
  }

  validation {
    condition     = alltrue([for c in values(var.crawlers) : contains(["s3", "catalog"], c.target_kind)])
    error_message = "target_kind must be \"s3\" (crawl the location) or \"catalog\" (crawl the pre-created table)."
  }

  # Glue rules for catalog targets: the crawler may only crawl tables of its own database, must log
  # (never delete) vanished objects and must crawl everything; Lockgate's catalog target is exactly the
  # import's one table.
  validation {
    condition = alltrue([for c in values(var.crawlers) : c.target_kind != "catalog" || (
      c.catalog_target != null &&
      try(c.catalog_target.database_name == c.database && length(c.catalog_target.tables) == 1 && c.catalog_target.tables[0] == c.table, false) &&
      c.schema_change_policy.delete_behavior == "LOG" &&
      c.recrawl_policy == "CRAWL_EVERYTHING"
    )])
    error_message = "A catalog-target crawler needs catalog_target = { database_name = <database>, tables = [<table>] }, schema_change_policy.delete_behavior LOG and recrawl_policy CRAWL_EVERYTHING."
  }

  validation {
    condition = alltrue([for c in values(var.crawlers) :
      trimsuffix(c.table_input.storage_descriptor.location, "/") == trimsuffix(c.location, "/") &&
      length(c.table_input.storage_descriptor.columns) > 0
    ])
    error_message = "table_input.storage_descriptor.location must be the crawler's location, and the table needs at least one column."
  }

  validation {
    condition = alltrue([for c in values(var.crawlers) : c.partition_index == null || try(
      length(c.partition_index.keys) > 0 &&
      length(setsubtract(c.partition_index.keys, [for k in c.table_input.partition_keys : k.name])) == 0 &&
      can(regex("^[A-Za-z0-9_]{1,255}$", c.partition_index.index_name)),
      false
    )])
    error_message = "partition_index.keys must be partition keys of table_input, and index_name 1-255 characters of letters, digits and '_'."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the security configuration (S3, CloudWatch, job bookmarks) and the uploaded code."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for the job and crawler roles."
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

variable "quarantine_tables" {
  description = <<-EOT
    Per import: its quarantine as two catalog entries in the import's database (crawlers.quarantine,
    rendered by `lockgate render` as quarantine_tables): `rows`, an unpartitioned Parquet table over
    target.quarantine (Athena reads the run_id=... folders under it), and `view`, the Athena view
    `<table>_quarantine` over it with the rule that rejected each row.
  EOT
  type = map(object({
    database = string
    rows = object({
      name        = string
      description = optional(string)
      location    = string
      columns     = list(object({ name = string, type = string, comment = optional(string) }))
    })
    view = object({
      name               = string
      description        = optional(string)
      view_original_text = string
      view_expanded_text = string
      columns            = list(object({ name = string, type = string, comment = optional(string) }))
    })
  }))
  default = {}

  validation {
    condition = alltrue([for q in values(var.quarantine_tables) :
      can(regex("^s3://", q.rows.location)) && startswith(q.view.view_original_text, "/* Presto View: ") &&
      length(q.rows.columns) > 0 && length(q.view.columns) > 0
    ])
    error_message = "quarantine_tables: rows.location must be an s3:// URI, view.view_original_text an Athena view ('/* Presto View: ... */'), and both need columns."
  }
}
