output "arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.this.name
}

output "role_arn" {
  description = "ARN of the state machine's execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group receiving execution history (level ALL, with execution data)."
  value       = aws_cloudwatch_log_group.this.name
}

output "integrations" {
  description = "The service integrations the definition calls (the Resource values), from which the role's policy was generated."
  value       = sort(tolist(local.resources_used))
}

output "definition" {
  description = "The deployed definition: the rendered template with every placeholder filled."
  value       = local.definition
}
