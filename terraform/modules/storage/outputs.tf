output "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts buckets, logs, topics and queues."
  value       = aws_kms_key.this.arn
}

output "kms_key_alias" {
  description = "Alias of the KMS key."
  value       = aws_kms_alias.this.name
}

# Names are the inputs, so they are known at plan time (the Lambda environment, IAM policies and the
# state machine definition can be checked in a plan); depends_on keeps consumers after the buckets.
output "bucket_names" {
  description = "Bucket names by role: raw, lake, control."
  value       = { for k, b in local.buckets : k => b.name }
  depends_on  = [aws_s3_bucket.this, aws_s3_bucket_policy.this]
}

output "bucket_arns" {
  description = "Bucket ARNs by role: raw, lake, control."
  value       = { for k, b in aws_s3_bucket.this : k => b.arn }
}

output "control_bucket" {
  description = "Name of the control bucket (manifests, staging, runs, specs, Glue scripts, Athena results)."
  value       = var.buckets.control
  depends_on  = [aws_s3_bucket.this, aws_s3_bucket_policy.this]
}

output "control_uri" {
  description = "The control location as an s3:// URI (LOCKGATE_CONTROL_URI)."
  value       = "s3://${var.buckets.control}/"
  depends_on  = [aws_s3_bucket.this, aws_s3_bucket_policy.this]
}

output "log_bucket" {
  description = "Name of the S3 server access log bucket."
  value       = aws_s3_bucket.logs.id
}
