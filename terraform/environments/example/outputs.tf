output "imports" {
  description = "The imports deployed, as read from render_dir/imports.json."
  value       = sort(tolist(local.import_names))
}

output "state_machine_arns" {
  description = "State machine ARN per import (aws stepfunctions start-execution --state-machine-arn ...)."
  value       = { for n, m in module.state_machine : n => m.arn }
}

output "function_arns" {
  description = "Lambda function ARNs per import and function."
  value       = { for n, m in module.lambda : n => m.function_arns }
}

output "glue_job_names" {
  description = "Glue job name per import."
  value       = module.glue.job_names
}

output "crawler_names" {
  description = "Glue crawler name per import that has one."
  value       = module.glue.crawler_names
}

output "schedule_arns" {
  description = "EventBridge Scheduler schedule ARN per scheduled import."
  value       = { for n, m in module.scheduler : n => m.arn }
}

output "buckets" {
  description = "Bucket names by role."
  value       = module.storage.bucket_names
}

output "control_uri" {
  description = "The control location (aws.control_uri in lockgate.yaml)."
  value       = module.storage.control_uri
}

output "notification_topic_arn" {
  description = "SNS topic that receives failed runs."
  value       = module.notifications.topic_arn
}

output "run_notification_topic_arn" {
  description = "ARN of the topic successful runs are announced on (null when no import notifies on success)."
  value       = local.announcing ? module.run_notifications[0].topic_arn : null
}

output "athena_workgroup" {
  description = "Athena workgroup for querying the published tables."
  value       = module.athena.name
}

output "runs_table" {
  description = "The runs table (database.table): every run's measured cost, latency and root cause, queryable in the Athena workgroup."
  value       = module.athena.runs_table
}
