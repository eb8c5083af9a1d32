# The dev environment: only module calls. The numbers here are the sizing table of the architecture; tests in
# tests/infra read them.

locals {
  name_prefix = "aplicacion-senas-dev"
  public_url  = "https://${coalesce(var.public_hostname, module.load_balancer.dns_name)}"

  # The services' settings (pydantic-settings, prefix SENAS_) for the AWS profile.
  service_environment = {
    SENAS_PROFILE              = "aws"
    AWS_REGION                 = var.aws_region
    SENAS_RESOURCE_PREFIX      = local.name_prefix
    SENAS_PUBLIC_URL           = local.public_url
    SENAS_DATABASE_URL         = "postgresql+asyncpg://${module.database.endpoint}:${module.database.port}/${module.database.database_name}"
    SENAS_DATABASE_SECRET_ID   = module.database.master_user_secret_arn
    SENAS_TABLE_USER_DATA      = module.tables.table_names["UserData"]
    SENAS_TABLE_USER_PROGRESS  = module.tables.table_names["UserProgress"]
    SENAS_TABLE_AI_SESSIONS    = module.tables.table_names["AiSessions"]
    SENAS_COGNITO_USER_POOL_ID = module.user_pool.user_pool_id
    SENAS_COGNITO_CLIENT_ID    = module.user_pool.client_id
    SENAS_SAGEMAKER_ENDPOINT   = var.sagemaker_endpoint_name
  }
  service_secrets = {
    SENAS_SIGNING_SECRET = module.signing_secret.secret_arn
  }
}

module "encryption_key" {
  source = "../../modules/kms-key"

  name_prefix = local.name_prefix
}

module "network" {
  source = "../../modules/network"

  name_prefix       = local.name_prefix
  cidr_block        = "10.0.0.0/16"
  az_count          = 2
  nat_gateway_count = 1
  flow_logs_enabled = false
  kms_key_arn       = module.encryption_key.key_arn
}

module "access_logs" {
  source = "../../modules/log-bucket"

  name_prefix = local.name_prefix
}

module "load_balancer" {
  source = "../../modules/load-balancer"

  name_prefix         = local.name_prefix
  vpc_id              = module.network.vpc_id
  vpc_cidr_block      = module.network.vpc_cidr_block
  public_subnet_ids   = module.network.public_subnet_ids
  certificate_arn     = var.certificate_arn
  deletion_protection = false
  access_logs_bucket  = null

  routes = {
    content = { port = 8000, path_pattern = "/content*", priority = 100 }
    users   = { port = 8001, path_pattern = "/users*", priority = 200 }
    ml      = { port = 8002, path_pattern = "/ml*", priority = 300 }
  }
}

module "container_registry" {
  source = "../../modules/ecr-repositories"

  name_prefix = local.name_prefix
  kms_key_arn = module.encryption_key.key_arn
}

module "buckets" {
  source = "../../modules/s3-buckets"

  name_prefix            = local.name_prefix
  kms_key_arn            = module.encryption_key.key_arn
  expiration_days        = null
  access_log_bucket      = module.access_logs.bucket_name
  upload_allowed_origins = [local.public_url]
}

module "tables" {
  source = "../../modules/dynamodb-tables"

  name_prefix            = local.name_prefix
  point_in_time_recovery = false
  deletion_protection    = false
  kms_key_arn            = module.encryption_key.key_arn
}

module "queues" {
  source = "../../modules/sqs-queues"

  name_prefix = local.name_prefix
  kms_key_arn = module.encryption_key.key_arn

  topic_subscriptions = {
    "user-notifications"     = [module.topics.topic_arns["achievement-notifs"], module.topics.topic_arns["level-completion"]]
    "content-account-events" = [module.topics.topic_arns["account-events"]]
    "ml-account-events"      = [module.topics.topic_arns["account-events"]]
  }
}

module "topics" {
  source = "../../modules/sns-topics"

  name_prefix = local.name_prefix
  kms_key_arn = module.encryption_key.key_arn
  alert_email = var.alert_email

  queue_subscriptions = [
    { topic = "achievement-notifs", queue = "user-notifications", queue_arn = module.queues.queue_arns["user-notifications"] },
    { topic = "level-completion", queue = "user-notifications", queue_arn = module.queues.queue_arns["user-notifications"] },
    { topic = "account-events", queue = "content-account-events", queue_arn = module.queues.queue_arns["content-account-events"] },
    { topic = "account-events", queue = "ml-account-events", queue_arn = module.queues.queue_arns["ml-account-events"] },
  ]
}

module "user_pool" {
  source = "../../modules/cognito-user-pool"

  name_prefix         = local.name_prefix
  mfa_configuration   = "OPTIONAL"
  deletion_protection = false
}

module "signing_secret" {
  source = "../../modules/signing-secret"

  name_prefix    = local.name_prefix
  kms_key_arn    = module.encryption_key.key_arn
  secret_version = var.signing_secret_version
}

module "database" {
  source = "../../modules/aurora-postgresql"

  name_prefix           = local.name_prefix
  min_capacity          = 0.5
  max_capacity          = 2
  instance_count        = 1
  backup_retention_days = 3
  deletion_protection   = false
  log_retention_days    = 30
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.database_subnet_ids
  kms_key_arn           = module.encryption_key.key_arn

  allowed_security_group_ids = merge(
    { "content-service" = module.content_service.security_group_id },
    var.bastion_enabled ? { bastion = module.bastion[0].security_group_id } : {},
  )
}

module "cluster" {
  source = "../../modules/ecs-cluster"

  name_prefix        = local.name_prefix
  container_insights = false
}

module "task_roles" {
  source = "../../modules/ecs-task-roles"

  name_prefix             = local.name_prefix
  kms_key_arn             = module.encryption_key.key_arn
  repository_arns         = values(module.container_registry.repository_arns)
  log_group_arns          = values(module.monitoring.log_group_arns)
  signing_secret_arn      = module.signing_secret.secret_arn
  database_secret_arn     = module.database.master_user_secret_arn
  bucket_arns             = module.buckets.bucket_arns
  queue_arns              = module.queues.queue_arns
  topic_arns              = module.topics.topic_arns
  table_arns              = module.tables.table_arns
  user_pool_arn           = module.user_pool.user_pool_arn
  sagemaker_endpoint_name = var.sagemaker_endpoint_name
}

module "content_service" {
  source = "../../modules/ecs-service"

  name          = "${local.name_prefix}-content"
  service       = "content"
  port          = 8000
  cpu           = 256
  memory        = 512
  desired_count = 1
  max_count     = 2

  image_repository_url            = module.container_registry.repository_urls["content-service"]
  image_tag                       = var.image_tag
  cluster_arn                     = module.cluster.arn
  cluster_name                    = module.cluster.name
  execution_role_arn              = module.task_roles.execution_role_arn
  task_role_arn                   = module.task_roles.task_role_arns["content"]
  log_group_name                  = module.monitoring.log_group_names["content"]
  environment                     = local.service_environment
  secrets                         = local.service_secrets
  vpc_id                          = module.network.vpc_id
  subnet_ids                      = module.network.private_subnet_ids
  load_balancer_security_group_id = module.load_balancer.security_group_id
  target_group_arn                = module.load_balancer.target_group_arns["content"]
  database_cidr_blocks            = module.network.database_subnet_cidr_blocks
}

module "users_service" {
  source = "../../modules/ecs-service"

  name          = "${local.name_prefix}-users"
  service       = "users"
  port          = 8001
  cpu           = 256
  memory        = 512
  desired_count = 1
  max_count     = 2

  image_repository_url            = module.container_registry.repository_urls["user-service"]
  image_tag                       = var.image_tag
  cluster_arn                     = module.cluster.arn
  cluster_name                    = module.cluster.name
  execution_role_arn              = module.task_roles.execution_role_arn
  task_role_arn                   = module.task_roles.task_role_arns["users"]
  log_group_name                  = module.monitoring.log_group_names["users"]
  environment                     = local.service_environment
  secrets                         = local.service_secrets
  vpc_id                          = module.network.vpc_id
  subnet_ids                      = module.network.private_subnet_ids
  load_balancer_security_group_id = module.load_balancer.security_group_id
  target_group_arn                = module.load_balancer.target_group_arns["users"]
}

module "ml_service" {
  source = "../../modules/ecs-service"

  name          = "${local.name_prefix}-ml"
  service       = "ml"
  port          = 8002
  cpu           = 512
  memory        = 1024
  desired_count = 1
  max_count     = 2

  health_check_grace_period_seconds = 120

  image_repository_url            = module.container_registry.repository_urls["ml-service"]
  image_tag                       = var.image_tag
  cluster_arn                     = module.cluster.arn
  cluster_name                    = module.cluster.name
  execution_role_arn              = module.task_roles.execution_role_arn
  task_role_arn                   = module.task_roles.task_role_arns["ml"]
  log_group_name                  = module.monitoring.log_group_names["ml"]
  environment                     = local.service_environment
  secrets                         = local.service_secrets
  vpc_id                          = module.network.vpc_id
  subnet_ids                      = module.network.private_subnet_ids
  load_balancer_security_group_id = module.load_balancer.security_group_id
  target_group_arn                = module.load_balancer.target_group_arns["ml"]
}

# `senas content migrate` (Alembic upgrade head), run by the deployment workflow inside the VPC before the
# services move to the new images. It runs with the content service's role and security group.
module "content_migration" {
  source = "../../modules/ecs-one-off-task"

  family               = "${local.name_prefix}-content-migrate"
  container_name       = "migrate"
  command              = ["senas", "content", "migrate"]
  cpu                  = 256
  memory               = 512
  image_repository_url = module.container_registry.repository_urls["content-service"]
  image_tag            = var.image_tag
  execution_role_arn   = module.task_roles.execution_role_arn
  task_role_arn        = module.task_roles.task_role_arns["content"]
  log_group_name       = module.monitoring.log_group_names["content"]
  log_stream_prefix    = "migrate"
  environment          = local.service_environment
  secrets              = local.service_secrets
}

module "monitoring" {
  source = "../../modules/monitoring"

  name_prefix                 = local.name_prefix
  kms_key_arn                 = module.encryption_key.key_arn
  log_retention_days          = 30
  alarm_topic_arn             = module.topics.topic_arns["system-alerts"]
  load_balancer_arn_suffix    = module.load_balancer.arn_suffix
  cluster_name                = module.cluster.name
  services                    = ["content", "users", "ml"]
  dead_letter_queue_names     = module.queues.dead_letter_queue_names
  database_cluster_identifier = module.database.cluster_identifier

  service_names = {
    content = module.content_service.service_name
    users   = module.users_service.service_name
    ml      = module.ml_service.service_name
  }
}

module "bastion" {
  source = "../../modules/bastion"
  count  = var.bastion_enabled ? 1 : 0

  name_prefix          = local.name_prefix
  vpc_id               = module.network.vpc_id
  subnet_id            = module.network.private_subnet_ids[0]
  database_cidr_blocks = module.network.database_subnet_cidr_blocks
  kms_key_arn          = module.encryption_key.key_arn
}
