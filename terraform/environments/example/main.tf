provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

################################################################################
# What to deploy: read from the build output, never written by hand
#   build/render   <- lockgate render --out build/render
#   build/package  <- make package
################################################################################

locals {
  imports_doc  = jsondecode(file("${var.render_dir}/imports.json"))
  import_names = toset(try(local.imports_doc.imports, local.imports_doc))
  imports      = { for n in local.import_names : n => jsondecode(file("${var.render_dir}/${n}/terraform.json")) }

  all_functions = ["plan", "process_batch", "dedupe", "commit", "failure", "download_list", "download_file", "download_finish"]

  # Create only what each definition calls: a function, job or crawler no state machine uses is not
  # deployed (and so cannot be granted).
  functions    = { for n, i in local.imports : n => [for f in local.all_functions : f if contains(i.placeholders, "${f}_function_arn")] }
  glue_imports = { for n, i in local.imports : n => i if contains(i.placeholders, "glue_job_name") }
  crawled      = { for n, i in local.imports : n => i if try(i.crawler, null) != null }
  scheduled    = { for n, i in local.imports : n => i if try(i.schedule, null) != null }
  notifying    = anytrue([for i in values(local.imports) : contains(i.placeholders, "sns_topic_arn")])
  announcing   = anytrue([for i in values(local.imports) : contains(i.placeholders, "success_topic_arn")])

  # Each crawled import's rendered TableInput (crawlers.table.table_input_from_spec, PascalCase as
  # boto3's create_table takes it) in the snake_case shape of aws_glue_catalog_table.
  table_inputs = {
    for n, i in local.crawled : n => {
      description = try(i.crawler.table_input.Description, null)
      table_type  = try(i.crawler.table_input.TableType, "EXTERNAL_TABLE")
      parameters  = try(i.crawler.table_input.Parameters, {})
      partition_keys = [
        for k in try(i.crawler.table_input.PartitionKeys, []) : { name = k.Name, type = k.Type, comment = try(k.Comment, null) }
      ]
      storage_descriptor = {
        location                  = i.crawler.table_input.StorageDescriptor.Location
        input_format              = i.crawler.table_input.StorageDescriptor.InputFormat
        output_format             = i.crawler.table_input.StorageDescriptor.OutputFormat
        compressed                = try(i.crawler.table_input.StorageDescriptor.Compressed, false)
        number_of_buckets         = try(i.crawler.table_input.StorageDescriptor.NumberOfBuckets, -1)
        stored_as_sub_directories = try(i.crawler.table_input.StorageDescriptor.StoredAsSubDirectories, false)
        parameters                = try(i.crawler.table_input.StorageDescriptor.Parameters, {})
        columns = [
          for c in i.crawler.table_input.StorageDescriptor.Columns : { name = c.Name, type = c.Type, comment = try(c.Comment, null) }
        ]
        ser_de_info = {
          serialization_library = i.crawler.table_input.StorageDescriptor.SerdeInfo.SerializationLibrary
          parameters            = try(i.crawler.table_input.StorageDescriptor.SerdeInfo.Parameters, {})
        }
      }
    }
  }

  # Each import's quarantine: a Parquet table over target.quarantine and the `<table>_quarantine` view
  # that leads with the rule (crawlers.quarantine), rendered as Glue TableInputs.
  quarantine_tables = {
    for n, i in local.imports : n => {
      database = i.target.database
      rows = {
        name        = i.quarantine_tables[0].Name
        description = i.quarantine_tables[0].Description
        location    = i.quarantine_tables[0].StorageDescriptor.Location
        columns     = [for c in i.quarantine_tables[0].StorageDescriptor.Columns : { name = c.Name, type = c.Type, comment = try(c.Comment, null) }]
      }
      view = {
        name               = i.quarantine_tables[1].Name
        description        = i.quarantine_tables[1].Description
        view_original_text = i.quarantine_tables[1].ViewOriginalText
        view_expanded_text = i.quarantine_tables[1].ViewExpandedText
        columns            = [for c in i.quarantine_tables[1].StorageDescriptor.Columns : { name = c.Name, type = c.Type, comment = try(c.Comment, null) }]
      }
    } if try(length(i.quarantine_tables), 0) == 2
  }

  lambda_package = {
    code_zip  = "${var.package_dir}/lambda/code.zip"
    layer_zip = "${var.package_dir}/lambda/layer.zip"
  }
}

################################################################################
# Shared: buckets and key, failure topic, Athena workgroup
################################################################################

module "storage" {
  source = "../../modules/storage"

  name          = var.name
  buckets       = var.buckets
  retention     = var.retention
  force_destroy = var.force_destroy
  tags          = var.tags
}

module "notifications" {
  source = "../../modules/notifications"

  name                = "${var.name}-failures"
  subscriptions       = var.notification_subscriptions
  publisher_role_arns = [for m in module.state_machine : m.role_arn]
  kms_key_arn         = module.storage.kms_key_arn
  tags                = var.tags
}

# Successful runs (notifications.on_success) go to their own topic: the failures topic pages people.
module "run_notifications" {
  source = "../../modules/notifications"
  count  = local.announcing ? 1 : 0

  name                = "${var.name}-runs"
  display_name        = "Lockgate runs"
  subscriptions       = var.run_notification_subscriptions
  publisher_role_arns = [for m in module.state_machine : m.role_arn]
  kms_key_arn         = module.storage.kms_key_arn
  tags                = var.tags
}

module "athena" {
  source = "../../modules/athena"

  name           = var.name
  control_bucket = module.storage.control_bucket
  kms_key_arn    = module.storage.kms_key_arn
  force_destroy  = var.force_destroy
  tags           = var.tags
}

################################################################################
# Artifacts: the canonical specs and the Lambda dependency layer
################################################################################

resource "aws_s3_object" "spec" {
  for_each = local.imports

  bucket       = module.storage.control_bucket
  key          = each.value.spec_key
  source       = "${var.render_dir}/${each.key}/spec.json"
  source_hash  = filemd5("${var.render_dir}/${each.key}/spec.json")
  content_type = "application/json"
  kms_key_id   = module.storage.kms_key_arn

  # A spec whose buckets this environment neither creates nor names as external would deploy roles that
  # point at the wrong buckets; a render made for another control location would make the functions look
  # for specs and manifests elsewhere. Both stop the plan.
  lifecycle {
    precondition {
      condition     = contains(concat([var.buckets.raw, var.buckets.lake], var.external_buckets), each.value.source.bucket) && contains(concat([var.buckets.lake], var.external_buckets), each.value.target.bucket)
      error_message = "Import ${each.key} reads s3://${each.value.source.bucket}/ and writes s3://${each.value.target.bucket}/, but this environment creates raw = ${var.buckets.raw} and lake = ${var.buckets.lake}: set var.buckets to the specs' buckets, or list buckets managed elsewhere in var.external_buckets."
    }
    precondition {
      condition     = trimsuffix(each.value.control_uri, "/") == "s3://${var.buckets.control}"
      error_message = "Import ${each.key} was rendered for the control location ${each.value.control_uri} (aws.control_uri in lockgate.yaml), but this environment's control bucket is ${var.buckets.control}: render again or set var.buckets.control."
    }
  }
}

# The layer zip can exceed the 50 MB direct-upload limit, so it goes through the control bucket.
resource "aws_s3_object" "lambda_layer" {
  bucket      = module.storage.control_bucket
  key         = "artifacts/lambda/layer.zip"
  source      = local.lambda_package.layer_zip
  source_hash = filemd5(local.lambda_package.layer_zip)
  kms_key_id  = module.storage.kms_key_arn
}

resource "aws_lambda_layer_version" "dependencies" {
  layer_name               = "${var.name}-dependencies"
  description              = "Lockgate runtime dependencies (pyarrow, duckdb, sqlglot, pydantic, powertools)"
  s3_bucket                = aws_s3_object.lambda_layer.bucket
  s3_key                   = aws_s3_object.lambda_layer.key
  s3_object_version        = aws_s3_object.lambda_layer.version_id
  source_code_hash         = filebase64sha256(local.lambda_package.layer_zip)
  compatible_runtimes      = ["python3.12"]
  compatible_architectures = [var.lambda_architecture]
}

################################################################################
# Engines: Glue (shared module, one job/crawler per import) and Lambda (one module per import)
################################################################################

# The Glue module's inputs, mapped from the render output and the package (kept as locals so the
# Terraform tests can plan the module once more with literal ARNs and read its IAM policies).
locals {
  glue_package = {
    script         = "${var.package_dir}/glue/job.py"
    extra_py_files = "${var.package_dir}/glue/lockgate.zip"
    wheels         = [for f in sort(fileset("${var.package_dir}/glue/wheels", "*.whl")) : "${var.package_dir}/glue/wheels/${f}"]
  }

  glue_jobs = {
    for n, i in local.glue_imports : n => {
      version             = i.glue.version
      worker_type         = i.glue.worker_type
      workers             = i.glue.workers
      timeout_minutes     = i.glue.timeout_minutes
      max_concurrent_runs = try(i.glue.max_concurrent_runs, var.glue_max_concurrent_runs)
      spec_key            = i.spec_key
      source_location     = { bucket = i.source.bucket, prefix = i.source.prefix }
      target              = { database = i.target.database, table = i.target.table, quarantine = i.target.quarantine }
    }
  }

  # The rendered crawler settings name the policies either as plain strings or as the Glue API's
  # objects ({"recrawl_behavior": ...}), and the configuration either as JSON text or as an object.
  # table_input is boto3's TableInput (PascalCase); local.table_inputs maps it to the module's shape.
  glue_crawlers = {
    for n, i in local.crawled : n => {
      name                 = try(i.crawler.name, "${var.name}-${n}")
      database             = try(i.crawler.database, i.target.database)
      table                = try(i.crawler.table, i.target.table)
      table_prefix         = try(coalesce(i.crawler.table_prefix, ""), "")
      target_kind          = try(i.crawler.target_kind, "s3")
      catalog_target       = try(i.crawler.catalog_target, null)
      location             = try(i.crawler.s3_target.path, i.target.location)
      recrawl_policy       = try(i.crawler.recrawl_policy.recrawl_behavior, i.crawler.recrawl_policy, "CRAWL_EVERYTHING")
      schema_change_policy = try(i.crawler.schema_change_policy, {})
      exclusions           = try(i.crawler.s3_target.exclusions, i.crawler.exclusions, [])
      configuration        = try(tostring(i.crawler.configuration), jsonencode(i.crawler.configuration), null)
      table_input          = local.table_inputs[n]
      partition_index      = try(i.crawler.partition_index, null)
    }
  }
}

module "glue" {
  source = "../../modules/glue"

  name_prefix    = var.name
  control_bucket = module.storage.control_bucket
  kms_key_arn    = module.storage.kms_key_arn
  databases      = toset([for i in values(local.imports) : i.target.database])

  package  = local.glue_package
  jobs     = local.glue_jobs
  crawlers = local.glue_crawlers

  quarantine_tables = local.quarantine_tables

  tags = var.tags
}

module "lambda" {
  source   = "../../modules/lambda"
  for_each = local.imports

  import_name     = each.key
  name_prefix     = var.name
  functions       = local.functions[each.key]
  control_bucket  = module.storage.control_bucket
  spec_key        = each.value.spec_key
  source_location = { bucket = each.value.source.bucket, prefix = each.value.source.prefix }
  download_credentials = {
    secret    = try(each.value.download.secret, null)
    parameter = try(each.value.download.parameter, null)
  }
  target = {
    database   = each.value.target.database
    table      = each.value.target.table
    bucket     = each.value.target.bucket
    prefix     = each.value.target.prefix
    quarantine = each.value.target.quarantine
  }
  runtime              = each.value.functions
  reserved_concurrency = lookup(var.lambda_reserved_concurrency, each.key, {})
  architecture         = var.lambda_architecture

  package = {
    code_zip   = local.lambda_package.code_zip
    layer_arns = [aws_lambda_layer_version.dependencies.arn]
  }

  powertools         = { log_level = var.log_level, metrics_namespace = var.metrics_namespace }
  kms_key_arn        = module.storage.kms_key_arn
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

################################################################################
# Orchestration: one state machine per import, and a schedule where the spec has one
################################################################################

module "state_machine" {
  source   = "../../modules/state_machine"
  for_each = local.imports

  name                 = each.value.state_machine_name
  import_name          = each.key
  definition_template  = "${var.render_dir}/${each.key}/definition.asl.json"
  lambda_function_arns = module.lambda[each.key].function_arns
  glue_job_name        = lookup(module.glue.job_names, each.key, null)
  crawler_name         = lookup(module.glue.crawler_names, each.key, null)
  sns_topic_arn        = local.notifying ? module.notifications.topic_arn : null
  success_topic_arn    = local.announcing ? module.run_notifications[0].topic_arn : null
  control_bucket       = module.storage.control_bucket
  spec_key             = each.value.spec_key
  kms_key_arn          = module.storage.kms_key_arn
  log_retention_days   = var.log_retention_days
  tags                 = var.tags

  depends_on = [aws_s3_object.spec]
}

module "scheduler" {
  source   = "../../modules/scheduler"
  for_each = local.scheduled

  name              = each.value.state_machine_name
  import_name       = each.key
  state_machine_arn = module.state_machine[each.key].arn
  schedule = {
    expression = each.value.schedule.expression
    timezone   = try(each.value.schedule.timezone, "UTC")
    input      = { for k, v in try(each.value.schedule.input, {}) : k => tostring(v) }
  }
  enabled     = var.schedules_enabled
  kms_key_arn = module.storage.kms_key_arn
  tags        = var.tags
}
