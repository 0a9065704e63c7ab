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
