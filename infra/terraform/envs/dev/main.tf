# The dev environment: only module calls. The numbers here are the sizing table of the architecture; tests in
# tests/infra read them.

locals {
  name_prefix = "aplicacion-senas-dev"
  public_url  = module.public_hostname.url

  # The services' settings (pydantic-settings, prefix SENAS_) for the AWS profile. The database secret is the
  # app role's (DML only); calls to the other services go over Service Connect, inside the VPC.
  service_environment = {
    SENAS_PROFILE              = "aws"
    AWS_REGION                 = var.aws_region
    SENAS_RESOURCE_PREFIX      = local.name_prefix
    SENAS_PUBLIC_URL           = local.public_url
    SENAS_DATABASE_URL         = "postgresql+asyncpg://${module.database.endpoint}:${module.database.port}/${module.database.database_name}"
    SENAS_DATABASE_SECRET_ID   = module.database_app_secret.secret_arn
    SENAS_TABLE_USER_DATA      = module.tables.table_names["UserData"]
    SENAS_TABLE_USER_PROGRESS  = module.tables.table_names["UserProgress"]
    SENAS_TABLE_AI_SESSIONS    = module.tables.table_names["AiSessions"]
    SENAS_COGNITO_USER_POOL_ID = module.user_pool.user_pool_id
    SENAS_COGNITO_CLIENT_ID    = module.user_pool.client_id
    SENAS_CONTENT_URL          = module.service_connect.base_urls["content"]
    SENAS_USERS_URL            = module.service_connect.base_urls["users"]
    SENAS_ML_URL               = module.service_connect.base_urls["ml"]
    # Only the load balancer may name the client (X-Forwarded-For): the per-address auth limits count by it.
    SENAS_TRUSTED_PROXIES = join(",", module.network.public_subnet_cidr_blocks)
  }
  service_secrets = {
    SENAS_SIGNING_SECRET = module.signing_secret.secret_arn
  }

  # Only the ML service calls SageMaker, and only where the endpoint exists: without the variable it scores with
  # its in-process model, never against an endpoint that is not there.
  ml_environment = merge(local.service_environment, {
    for name, value in { SENAS_SAGEMAKER_ENDPOINT = one(module.sagemaker[*].endpoint_name) } : name => value if value != null
  })

  # The migration task alone logs in as the master user; it creates the app role from the app secret.
  migration_environment = merge(local.service_environment, {
    SENAS_DATABASE_SECRET_ID     = module.database.master_user_secret_arn
    SENAS_DATABASE_APP_SECRET_ID = module.database_app_secret.secret_arn
  })

  # The SageMaker container reads templates and models from the ml-models bucket, named as the ML service names it.
  sagemaker_environment = {
    SENAS_PROFILE         = "aws"
    AWS_REGION            = var.aws_region
    SENAS_RESOURCE_PREFIX = local.name_prefix
  }

  service_ports = { content = 8000, users = 8001, ml = 8002 }
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
  certificate_arn     = module.public_hostname.certificate_arn
  web_acl_arn         = module.web_acl.web_acl_arn
  deletion_protection = false
  access_logs_bucket  = null

  internal_paths_hidden = false

  routes = {
    content = { port = 8000, path_pattern = "/content*", priority = 100 }
    users   = { port = 8001, path_pattern = "/users*", priority = 200 }
    ml      = { port = 8002, path_pattern = "/ml*", priority = 300 }
  }
  # The user service also serves the learner web app (`senas serve users --web-app`): everything else goes there.
  default_route = "users"
}

module "public_hostname" {
  source = "../../modules/public-hostname"

  hostname               = var.public_hostname
  route53_zone_id        = var.route53_zone_id
  load_balancer_dns_name = module.load_balancer.dns_name
  load_balancer_zone_id  = module.load_balancer.zone_id
}

module "web_acl" {
  source = "../../modules/web-acl"

  name_prefix        = local.name_prefix
  kms_key_arn        = module.encryption_key.key_arn
  log_retention_days = 30
}

module "service_connect" {
  source = "../../modules/service-connect"

  name_prefix = local.name_prefix
  namespace   = "${local.name_prefix}.internal"
  vpc_id      = module.network.vpc_id
  services    = local.service_ports
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

  providers = {
    aws         = aws
    aws.secrets = aws.secrets
  }

  name_prefix    = local.name_prefix
  kms_key_arn    = module.encryption_key.key_arn
  secret_version = var.signing_secret_version
}

module "database_app_secret" {
  source = "../../modules/database-app-secret"

  providers = {
    aws         = aws
    aws.secrets = aws.secrets
  }

  name_prefix      = local.name_prefix
  kms_key_arn      = module.encryption_key.key_arn
  password_version = var.database_app_password_version
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
  repository_arns         = [for image in ["content-service", "user-service", "ml-service"] : module.container_registry.repository_arns[image]]
  log_group_arns          = values(module.monitoring.log_group_arns)
  signing_secret_arn      = module.signing_secret.secret_arn
  database_secret_arn     = module.database.master_user_secret_arn
  database_app_secret_arn = module.database_app_secret.secret_arn
  bucket_arns             = module.buckets.bucket_arns
  queue_arns              = module.queues.queue_arns
  topic_arns              = module.topics.topic_arns
  table_arns              = module.tables.table_arns
  user_pool_arn           = module.user_pool.user_pool_arn
  sagemaker_enabled       = var.sagemaker_enabled
  sagemaker_endpoint_arn  = one(module.sagemaker[*].endpoint_arn)
}

# The sign-recognition model on SageMaker Serverless Inference (image target `sagemaker`).
module "sagemaker" {
  source = "../../modules/sagemaker-endpoint"
  count  = var.sagemaker_enabled ? 1 : 0

  name_prefix        = local.name_prefix
  memory_size_in_mb  = 2048
  max_concurrency    = 8
  repository_url     = module.container_registry.repository_urls["ml-sagemaker"]
  repository_arn     = module.container_registry.repository_arns["ml-sagemaker"]
  image_tag          = var.image_tag
  models_bucket_arn  = module.buckets.bucket_arns["ml-models"]
  kms_key_arn        = module.encryption_key.key_arn
  environment        = local.sagemaker_environment
  log_retention_days = 30
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

  image_repository_url              = module.container_registry.repository_urls["content-service"]
  image_tag                         = var.image_tag
  cluster_arn                       = module.cluster.arn
  cluster_name                      = module.cluster.name
  execution_role_arn                = module.task_roles.execution_role_arn
  task_role_arn                     = module.task_roles.task_role_arns["content"]
  log_group_name                    = module.monitoring.log_group_names["content"]
  environment                       = local.service_environment
  secrets                           = local.service_secrets
  vpc_id                            = module.network.vpc_id
  subnet_ids                        = module.network.private_subnet_ids
  load_balancer_security_group_id   = module.load_balancer.security_group_id
  target_group_arn                  = module.load_balancer.target_group_arns["content"]
  database_cidr_blocks              = module.network.database_subnet_cidr_blocks
  service_connect_namespace_arn     = module.service_connect.namespace_arn
  service_connect_security_group_id = module.service_connect.security_group_id
}

module "users_service" {
  source = "../../modules/ecs-service"

  name          = "${local.name_prefix}-users"
  service       = "users"
  serve_options = ["--web-app"]
  port          = 8001
  cpu           = 256
  memory        = 512
  desired_count = 1
  max_count     = 2

  image_repository_url              = module.container_registry.repository_urls["user-service"]
  image_tag                         = var.image_tag
  cluster_arn                       = module.cluster.arn
  cluster_name                      = module.cluster.name
  execution_role_arn                = module.task_roles.execution_role_arn
  task_role_arn                     = module.task_roles.task_role_arns["users"]
  log_group_name                    = module.monitoring.log_group_names["users"]
  environment                       = local.service_environment
  secrets                           = local.service_secrets
  vpc_id                            = module.network.vpc_id
  subnet_ids                        = module.network.private_subnet_ids
  load_balancer_security_group_id   = module.load_balancer.security_group_id
  target_group_arn                  = module.load_balancer.target_group_arns["users"]
  service_connect_namespace_arn     = module.service_connect.namespace_arn
  service_connect_security_group_id = module.service_connect.security_group_id
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

  image_repository_url              = module.container_registry.repository_urls["ml-service"]
  image_tag                         = var.image_tag
  cluster_arn                       = module.cluster.arn
  cluster_name                      = module.cluster.name
  execution_role_arn                = module.task_roles.execution_role_arn
  task_role_arn                     = module.task_roles.task_role_arns["ml"]
  log_group_name                    = module.monitoring.log_group_names["ml"]
  environment                       = local.ml_environment
  secrets                           = local.service_secrets
  vpc_id                            = module.network.vpc_id
  subnet_ids                        = module.network.private_subnet_ids
  load_balancer_security_group_id   = module.load_balancer.security_group_id
  target_group_arn                  = module.load_balancer.target_group_arns["ml"]
  service_connect_namespace_arn     = module.service_connect.namespace_arn
  service_connect_security_group_id = module.service_connect.security_group_id
}

# `senas content migrate --grant-app-role` (Alembic upgrade head as the master user, then the services' role
# created or re-passworded from the app secret with DML rights on the schema), run by the deployment workflow
# inside the VPC before the services move to the new images. Its own role is the only one that reads the master
# secret; it uses the content service's security group to reach the database.
module "content_migration" {
  source = "../../modules/ecs-one-off-task"

  family               = "${local.name_prefix}-content-migrate"
  container_name       = "migrate"
  command              = ["senas", "content", "migrate", "--grant-app-role"]
  cpu                  = 256
  memory               = 512
  image_repository_url = module.container_registry.repository_urls["content-service"]
  image_tag            = var.image_tag
  execution_role_arn   = module.task_roles.execution_role_arn
  task_role_arn        = module.task_roles.task_role_arns["migration"]
  log_group_name       = module.monitoring.log_group_names["content"]
  log_stream_prefix    = "migrate"
  environment          = local.migration_environment
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
  queue_names                 = module.queues.queue_names
  database_cluster_identifier = module.database.cluster_identifier
  target_group_arn_suffixes   = module.load_balancer.target_group_arn_suffixes
  container_insights          = module.cluster.container_insights

  service_names = {
    content = module.content_service.service_name
    users   = module.users_service.service_name
    ml      = module.ml_service.service_name
  }

  minimum_task_counts = {
    content = module.content_service.minimum_count
    users   = module.users_service.minimum_count
    ml      = module.ml_service.minimum_count
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
