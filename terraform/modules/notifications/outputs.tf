output "topic_arn" {
  description = "ARN of the notification topic."
  value       = aws_sns_topic.this.arn
}

output "topic_name" {
  description = "Name of the topic."
  value       = aws_sns_topic.this.name
}

output "subscription_arns" {
  description = "Subscription ARNs by protocol:endpoint (pending until confirmed for email and https)."
  value       = { for k, s in aws_sns_topic_subscription.this : k => s.arn }
}
