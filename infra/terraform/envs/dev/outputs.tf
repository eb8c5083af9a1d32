# What the deployment workflow (infra/scripts/release.sh) and the services' `aws` settings use.

output "environment" {
  description = "Name of the environment."
  value       = "dev"
}

output "aws_region" {
  description = "Region of the environment (AWS_REGION)."
  value       = var.aws_region
}

output "resource_prefix" {
  description = "SENAS_RESOURCE_PREFIX: buckets, queues and topics are named <prefix>-<logical name>."
  value       = local.name_prefix
}

output "load_balancer_dns_name" {
  description = "DNS name of the load balancer (point public_hostname's record here when no Route 53 zone is managed)."
  value       = module.load_balancer.dns_name
}

output "certificate_validation_records" {
  description = "DNS records ACM needs before it issues the certificate (add them by hand when no Route 53 zone is managed)."
  value       = module.public_hostname.validation_records
}

output "public_url" {
  description = "SENAS_PUBLIC_URL, also the base URL of the deployment's smoke test."
  value       = local.public_url
}

output "ecr_repository_urls" {
  description = "ECR repository URL per image (content-service, user-service, ml-service, ml-sagemaker)."
  value       = module.container_registry.repository_urls
}

output "images" {
  description = "ECR repository per image target of infra/docker/Dockerfile (what release.sh push-images pushes)."
  value = {
    content   = module.container_registry.repository_urls["content-service"]
    users     = module.container_registry.repository_urls["user-service"]
    ml        = module.container_registry.repository_urls["ml-service"]
    sagemaker = module.container_registry.repository_urls["ml-sagemaker"]
  }
}

output "service_urls" {
  description = "Private base URL per service inside the VPC (Service Connect): SENAS_CONTENT_URL, SENAS_USERS_URL, SENAS_ML_URL."
  value       = module.service_connect.base_urls
}

output "sagemaker_endpoint_name" {
  description = "SENAS_SAGEMAKER_ENDPOINT of the ML service; null when sagemaker_enabled is false (in-process model)."
  value       = one(module.sagemaker[*].endpoint_name)
}

output "alert_inbox_queue_url" {
  description = "Queue that keeps every system-alerts message for 14 days."
  value       = module.topics.alert_inbox_queue_url
}

output "table_names" {
  description = "Physical DynamoDB table name per logical name."
  value       = module.tables.table_names
}

output "bucket_names" {
  description = "Physical bucket name per logical name."
  value       = module.buckets.bucket_names
}

output "queue_names" {
  description = "Physical work-queue name per logical name."
  value       = module.queues.queue_names
}

output "queue_urls" {
  description = "Work-queue URL per logical name."
  value       = module.queues.queue_urls
}

output "dead_letter_queue_names" {
  description = "Physical dead-letter-queue name per logical work-queue name."
  value       = module.queues.dead_letter_queue_names
}

output "topic_arns" {
  description = "Topic ARN per logical name."
  value       = module.topics.topic_arns
}

output "cognito_user_pool_id" {
  description = "SENAS_COGNITO_USER_POOL_ID."
  value       = module.user_pool.user_pool_id
}

output "cognito_client_id" {
  description = "SENAS_COGNITO_CLIENT_ID."
  value       = module.user_pool.client_id
}

output "database_endpoint" {
  description = "Writer endpoint of the Aurora cluster."
  value       = module.database.endpoint
}

output "database_secret_arn" {
  description = "The Aurora master credentials in Secrets Manager (the migration task's SENAS_DATABASE_SECRET_ID only)."
  value       = module.database.master_user_secret_arn
}

output "database_app_secret_arn" {
  description = "SENAS_DATABASE_SECRET_ID of the services: the app role's credentials (DML only)."
  value       = module.database_app_secret.secret_arn
}

output "cluster_name" {
  description = "ECS cluster of the services."
  value       = module.cluster.name
}

output "services" {
  description = "Per service: ECS service name, latest task-definition revision and target group (read by release.sh)."
  value = {
    content = {
      service_name        = module.content_service.service_name
      task_definition_arn = module.content_service.task_definition_arn
      target_group_arn    = module.load_balancer.target_group_arns["content"]
      repository_url      = module.container_registry.repository_urls["content-service"]
    }
    users = {
      service_name        = module.users_service.service_name
      task_definition_arn = module.users_service.task_definition_arn
      target_group_arn    = module.load_balancer.target_group_arns["users"]
      repository_url      = module.container_registry.repository_urls["user-service"]
    }
    ml = {
      service_name        = module.ml_service.service_name
      task_definition_arn = module.ml_service.task_definition_arn
      target_group_arn    = module.load_balancer.target_group_arns["ml"]
      repository_url      = module.container_registry.repository_urls["ml-service"]
    }
  }
}

output "migration_task" {
  description = "How to start `senas content migrate` inside the VPC: task definition, container, subnets and security group."
  value = {
    task_definition_arn = module.content_migration.task_definition_arn
    container_name      = module.content_migration.container_name
    subnet_ids          = module.network.private_subnet_ids
    security_group_ids  = [module.content_service.security_group_id]
    task_role_arn       = module.task_roles.task_role_arns["migration"]
  }
}

output "bastion_instance_id" {
  description = "Instance to open a Session Manager session on; null when the bastion is off."
  value       = var.bastion_enabled ? module.bastion[0].instance_id : null
}
