output "database_names" {
  description = "Names of the Glue Data Catalog databases."
  value       = sort([for d in aws_glue_catalog_database.this : d.name])
}

output "job_names" {
  description = "Glue job names by import name."
  value       = { for k, j in aws_glue_job.this : k => j.name }
}

output "job_arns" {
  description = "Glue job ARNs by import name."
  value       = { for k, j in aws_glue_job.this : k => j.arn }
}

output "crawler_names" {
  description = "Glue crawler names by import name."
  value       = { for k, c in aws_glue_crawler.this : k => c.name }
}

output "crawler_arns" {
  description = "Glue crawler ARNs by import name."
  value       = { for k, c in aws_glue_crawler.this : k => c.arn }
}

output "security_configuration" {
  description = "Name of the Glue security configuration (SSE-KMS for S3 and CloudWatch, CSE-KMS for bookmarks)."
  value       = aws_glue_security_configuration.this.name
}

output "job_role_arns" {
  description = "Glue job role ARNs by import name."
  value       = { for k, r in aws_iam_role.job : k => r.arn }
}

output "crawler_role_arns" {
  description = "Crawler role ARNs by import name."
  value       = { for k, r in aws_iam_role.crawler : k => r.arn }
}

output "table_names" {
  description = "Pre-created catalog tables (database.table) by import name."
  value       = { for k, t in aws_glue_catalog_table.this : k => "${t.database_name}.${t.name}" }
}

output "wheel_uris" {
  description = "S3 URIs of the uploaded dependency wheels, as the jobs' --additional-python-modules lists them."
  value       = sort([for o in aws_s3_object.wheel : "s3://${o.bucket}/${o.key}"])
}

output "quarantine_tables" {
  description = "The quarantine view people query (database.<table>_quarantine) by import name."
  value       = { for k, t in aws_glue_catalog_table.quarantine_view : k => "${t.database_name}.${t.name}" }
}
