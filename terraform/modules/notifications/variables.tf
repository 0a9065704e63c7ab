variable "name" {
  description = "Name of the notification topic."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.name))
    error_message = "name must be 1-256 characters of letters, digits, '_' and '-'."
  }
}

variable "display_name" {
  description = "Display name (the sender name of SMS and email notifications)."
  type        = string
  default     = "Lockgate"

  validation {
    condition     = length(var.display_name) <= 100
    error_message = "display_name must be at most 100 characters."
  }
}

variable "subscriptions" {
  description = "Who is told about failed runs: protocol (email, email-json, sqs, lambda, https, http, sms, firehose) and endpoint."
  type = list(object({
    protocol             = string
    endpoint             = string
    raw_message_delivery = optional(bool, false)
    filter_policy        = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.subscriptions : contains(["email", "email-json", "sqs", "lambda", "https", "http", "sms", "firehose"], s.protocol)])
    error_message = "Each subscription protocol must be one of email, email-json, sqs, lambda, https, http, sms, firehose."
  }

  validation {
    condition     = alltrue([for s in var.subscriptions : s.protocol != "http"]) || length(var.subscriptions) == 0
    error_message = "Plain http subscriptions would send run errors unencrypted; use https."
  }

  validation {
    condition     = alltrue([for s in var.subscriptions : length(s.endpoint) > 0 && (s.filter_policy == null || can(jsondecode(s.filter_policy)))])
    error_message = "Each subscription needs an endpoint; filter_policy, when set, must be JSON."
  }
}

variable "publisher_role_arns" {
  description = "Roles allowed to publish (the state machine roles); when empty, no topic policy is set and IAM alone decides."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.publisher_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", a))])
    error_message = "publisher_role_arns must be IAM role ARNs."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key encrypting the topic."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
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
