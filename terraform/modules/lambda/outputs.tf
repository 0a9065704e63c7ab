output "function_arns" {
  description = "Function ARNs by function name (plan, process_batch, dedupe, commit, failure)."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "function_names" {
  description = "Function names by function name."
  value       = { for k, f in aws_lambda_function.this : k => f.function_name }
}

output "role_arns" {
  description = "Execution role ARNs by function name."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}

output "log_group_names" {
  description = "CloudWatch log group names by function name."
  value       = { for k, g in aws_cloudwatch_log_group.this : k => g.name }
}

output "handlers" {
  description = "Handler paths by function name (lambdas.handlers.<name>.handler)."
  value       = { for k in keys(local.functions) : k => local.handlers[k] }
}
