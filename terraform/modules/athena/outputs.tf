output "name" {
  description = "Name of the workgroup."
  value       = aws_athena_workgroup.this.name
}

output "arn" {
  description = "ARN of the workgroup."
  value       = aws_athena_workgroup.this.arn
}

output "output_location" {
  description = "Where query results are written."
  value       = "s3://${var.control_bucket}/${var.results_prefix}"
}

output "runs_table" {
  description = "database.table of the runs table (query it in this workgroup), or null."
  value       = var.runs_table == null ? null : "${aws_glue_catalog_database.ops[0].name}.${aws_glue_catalog_table.runs[0].name}"
}
