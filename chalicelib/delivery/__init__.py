"""What the SQS handlers do. Each handler reports partial batch failures and is idempotent."""
