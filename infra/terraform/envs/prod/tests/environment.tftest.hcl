# Plans and applies this environment against a mocked AWS provider (nothing is created anywhere): once with its
# defaults, once with every optional feature on, and checks the sizing table and the deployment's rules on the
# result. Run by .ci/infra-checks.sh: terraform init -backend=false, then terraform test.

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names    = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
      zone_ids = ["use1-az1", "use1-az2", "use1-az4", "use1-az6"]
    }
  }

  # The rendering is not what these tests check (the statements are): a valid empty policy satisfies the
  # provider's JSON validation of the roles and the key.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json          = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
      minified_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  # Identifiers in the shapes the provider validates (the same value for every instance of a type).
  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
      key_id = "00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_cognito_user_pool" {
    defaults = {
      id  = "us-east-1_MockPool1"
      arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_MockPool1"
    }
  }

  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/mock/0123456789abcdef"
      arn_suffix = "app/mock/0123456789abcdef"
      dns_name   = "mock-123.us-east-1.elb.amazonaws.com"
      zone_id    = "Z35SXDOTRQ7X7K"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/mock/0123456789abcdef"
      arn_suffix = "targetgroup/mock/0123456789abcdef"
    }
  }

  mock_resource "aws_lb_listener" {
    defaults = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/mock/0123456789abcdef/0123456789abcdef"
    }
  }

  mock_resource "aws_wafv2_web_acl" {
    defaults = {
      arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/mock/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:us-east-1:123456789012:mock-topic"
    }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:123456789012:mock-queue"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/mock-queue"
      id  = "https://sqs.us-east-1.amazonaws.com/123456789012/mock-queue"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/mock"
    }
  }

  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn = "arn:aws:dynamodb:us-east-1:123456789012:table/mock"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::mock-bucket"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock"
    }
  }

  mock_resource "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:us-east-1:123456789012:repository/mock"
      repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mock"
    }
  }

  mock_resource "aws_sagemaker_endpoint" {
    defaults = {
      arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/aplicacion-senas-prod-sign-recognition"
    }
  }

  mock_resource "aws_ecs_cluster" {
    defaults = {
      arn = "arn:aws:ecs:us-east-1:123456789012:cluster/mock"
    }
  }

  mock_resource "aws_ecs_task_definition" {
    defaults = {
      arn                  = "arn:aws:ecs:us-east-1:123456789012:task-definition/mock:1"
      arn_without_revision = "arn:aws:ecs:us-east-1:123456789012:task-definition/mock"
    }
  }

  mock_resource "aws_service_discovery_http_namespace" {
    defaults = {
      arn = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-mock"
    }
  }

  mock_resource "aws_secretsmanager_secret" {
    defaults = {
      arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mock"
    }
  }

  mock_resource "aws_acm_certificate_validation" {
    defaults = {
      certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/mock"
    }
  }

  mock_resource "aws_vpc" {
    defaults = {
      cidr_block = "10.0.0.0/16"
    }
  }

  mock_resource "aws_rds_cluster" {
    defaults = {
      master_user_secret = [{
        secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-master"
        kms_key_id    = "arn:aws:kms:us-east-1:123456789012:key/mock"
        secret_status = "active"
      }]
    }
  }

  mock_resource "aws_acm_certificate" {
    defaults = {
      arn = "arn:aws:acm:us-east-1:123456789012:certificate/mock"
      domain_validation_options = [{
        domain_name           = "senas.example"
        resource_record_name  = "_x1.senas.example."
        resource_record_type  = "CNAME"
        resource_record_value = "_x2.acm-validations.aws."
      }]
    }
  }
}

# The two secrets are generated by the AWS provider's ephemeral random password, which mock providers cannot
# produce yet: those modules run on an offline (never called) provider configuration and are replaced by their
# outputs here; terraform validate still checks them.
provider "aws" {
  alias                       = "offline"
  region                      = "us-east-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

override_module {
  target = module.signing_secret
  outputs = {
    secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aplicacion-senas-prod/signing-secret"
  }
}

override_module {
  target = module.database_app_secret
  outputs = {
    secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aplicacion-senas-prod/database-app-user"
    username   = "senas_app"
  }
}

variables {
  image_tag       = "0123456789abcdef0123456789abcdef01234567"
  public_hostname = "senas.example"
}

run "plans_with_the_defaults" {
  providers = {
    aws         = aws
    aws.secrets = aws.offline
  }

  command = plan

  assert {
    condition     = output.public_url == "https://senas.example"
    error_message = "SENAS_PUBLIC_URL must be https://<public_hostname>."
  }

  assert {
    condition     = output.service_urls == { content = "http://content:8000", users = "http://users:8001", ml = "http://ml:8002" }
    error_message = "The services must call each other over Service Connect."
  }
}

run "defaults" {
  providers = {
    aws         = aws
    aws.secrets = aws.offline
  }

  assert {
    condition     = length(module.network.availability_zones) == 3 && length(module.network.nat_gateway_ids) == 3
    error_message = "prod: 3 zones, one NAT gateway per zone."
  }

  assert {
    condition     = jsonencode(module.network.availability_zone_filters) == jsonencode({ "opt-in-status" = ["opt-in-not-required"], "zone-type" = ["availability-zone"] })
    error_message = "Zones must be regular, opt-in-free availability zones only."
  }

  assert {
    condition     = jsonencode(module.network.availability_zones) == jsonencode(["us-east-1a", "us-east-1b", "us-east-1c"])
    error_message = "The first az_count zones of the sorted list."
  }

  # Sizing of the services (docs/deploy.md).
  assert {
    condition     = [module.content_service.minimum_count, module.users_service.minimum_count, module.ml_service.minimum_count] == [2, 2, 1]
    error_message = "prod runs at least two content and two users tasks and one ml task."
  }

  # SageMaker: on by default, serverless 3072 MB / 12 concurrent, the ML service told its name.
  assert {
    condition     = output.sagemaker_endpoint_name == "aplicacion-senas-prod-sign-recognition"
    error_message = "prod runs the SageMaker endpoint by default."
  }

  assert {
    condition     = module.sagemaker[0].serverless_config.memory_size_in_mb == 3072 && module.sagemaker[0].serverless_config.max_concurrency == 12
    error_message = "prod SageMaker serverless sizing is 3072 MB / 12 concurrent invocations."
  }

  assert {
    condition     = module.ml_service.environment["SENAS_SAGEMAKER_ENDPOINT"] == "aplicacion-senas-prod-sign-recognition"
    error_message = "The ML service must be given the endpoint's name."
  }

  assert {
    condition     = !contains(keys(module.content_service.environment), "SENAS_SAGEMAKER_ENDPOINT") && !contains(keys(module.users_service.environment), "SENAS_SAGEMAKER_ENDPOINT")
    error_message = "Only the ML service calls SageMaker."
  }

  assert {
    condition = one([
      for statement in module.task_roles.policy_statements.ml : statement.resources
      if contains(statement.actions, "sagemaker:InvokeEndpoint")
    ]) == toset([module.sagemaker[0].endpoint_arn])
    error_message = "The ML task role may invoke the environment's endpoint only."
  }

  assert {
    condition = alltrue(flatten([
      for role, statements in module.task_roles.policy_statements : [
        for statement in statements : !anytrue([for action in statement.actions : startswith(action, "sagemaker:")]) if role != "ml"
      ]
    ]))
    error_message = "No other role may call SageMaker."
  }

  assert {
    condition = toset(flatten([
      for statement in module.sagemaker[0].execution_policy_statements : tolist(statement.resources) if anytrue([for action in statement.actions : startswith(action, "s3:")])
    ])) == toset([module.buckets.bucket_arns["ml-models"], "${module.buckets.bucket_arns["ml-models"]}/*"])
    error_message = "The model's role may read the ml-models bucket only."
  }

  # Least privilege on the database: the services get the app role's secret, the migration task the master's.
  assert {
    condition     = module.content_service.environment["SENAS_DATABASE_SECRET_ID"] == module.database_app_secret.secret_arn
    error_message = "The services log in with the app role."
  }

  assert {
    condition = toset(flatten([
      for statement in module.task_roles.policy_statements.content : tolist(statement.resources) if contains(statement.actions, "secretsmanager:GetSecretValue")
    ])) == toset([module.database_app_secret.secret_arn])
    error_message = "The content task role may read the app role's secret only."
  }

  assert {
    condition = toset(flatten([
      for statement in module.task_roles.policy_statements.migration : tolist(statement.resources) if contains(statement.actions, "secretsmanager:GetSecretValue")
    ])) == toset([module.database.master_user_secret_arn, module.database_app_secret.secret_arn])
    error_message = "The migration task reads the master secret and the app secret."
  }

  assert {
    condition     = output.migration_task.task_role_arn == module.task_roles.task_role_arns["migration"]
    error_message = "The migration runs with its own role."
  }

  # The load balancer: WAF attached; metrics and docs answer 404 from outside, before any forward rule.
  assert {
    condition     = module.load_balancer.web_acl_arn == module.web_acl.web_acl_arn
    error_message = "The web ACL must be associated with the load balancer."
  }

  assert {
    condition = (
      module.web_acl.rules["auth-rate-limit"].rate_path == "/users/auth/" &&
      module.web_acl.rules["AWSManagedRulesCommonRuleSet"].managed_group == "AWSManagedRulesCommonRuleSet" &&
      module.web_acl.rules["AWSManagedRulesKnownBadInputsRuleSet"].managed_group == "AWSManagedRulesKnownBadInputsRuleSet" &&
      module.web_acl.rules["AWSManagedRulesAmazonIpReputationList"].managed_group == "AWSManagedRulesAmazonIpReputationList"
    )
    error_message = "The web ACL runs the three managed groups and a rate rule on /users/auth/."
  }

  assert {
    condition = (
      module.load_balancer.listener_rules["internal-paths-404"].action == "fixed-response" &&
      alltrue([for path in ["/*/metrics", "/*/docs", "/*/docs/*", "/*/openapi.json"] : contains(module.load_balancer.listener_rules["internal-paths-404"].paths, path)])
    )
    error_message = "prod answers /*/metrics, /*/docs and /*/openapi.json with a fixed 404."
  }

  assert {
    condition = alltrue([
      for name, rule in module.load_balancer.listener_rules :
      module.load_balancer.listener_rules["internal-paths-404"].priority < rule.priority if name != "internal-paths-404"
    ])
    error_message = "The 404 rule must be evaluated before every forward rule (lower priority number)."
  }

  # The learner web app is at the site's address: paths no rule claims go to the user service, which serves it.
  assert {
    condition = (
      module.load_balancer.default_action.type == "forward" &&
      module.load_balancer.default_action.route == "users" &&
      contains(module.users_service.command, "--web-app") &&
      !contains(module.content_service.command, "--web-app") &&
      !contains(module.ml_service.command, "--web-app")
    )
    error_message = "The HTTPS listener must forward unclaimed paths to the user service, which runs with --web-app."
  }

  assert {
    condition = (
      module.load_balancer.listener_rules["content"].priority < module.load_balancer.listener_rules["users"].priority &&
      module.load_balancer.listener_rules["users"].priority < module.load_balancer.listener_rules["ml"].priority
    )
    error_message = "Forward rules content, users, ml in that order."
  }

  # Alerts reach the inbox queue even without an e-mail address.
  assert {
    condition     = module.topics.alert_subscriptions == ["sqs:aplicacion-senas-prod-system-alerts-inbox"]
    error_message = "system-alerts must always be delivered to its inbox queue."
  }

  assert {
    condition = alltrue([
      for alarm in concat(
        [for queue in keys(module.queues.queue_names) : "aplicacion-senas-prod-${queue}-oldest-message-age"],
        [for service in ["content", "users", "ml"] : "aplicacion-senas-prod-${service}-unhealthy-hosts"],
        [for service in ["content", "users", "ml"] : "aplicacion-senas-prod-${service}-running-below-desired"],
      ) : contains(module.monitoring.alarm_names, alarm)
    ])
    error_message = "Alarms on unhealthy hosts, running tasks below desired and the oldest message of every queue."
  }

  assert {
    condition     = jsonencode(module.public_hostname.managed_records) == jsonencode({ alias = [], validation = [] })
    error_message = "Without a zone Terraform writes no DNS record."
  }

  assert {
    condition     = output.bastion_instance_id == null
    error_message = "No bastion by default."
  }
}

run "every_optional_feature_on" {
  providers = {
    aws         = aws
    aws.secrets = aws.offline
  }

  variables {
    bastion_enabled   = true
    alert_email       = "ops@senas.example"
    route53_zone_id   = "Z0123456789ABCDEFGHIJ"
    sagemaker_enabled = true
  }

  assert {
    condition     = output.bastion_instance_id != null
    error_message = "The bastion runs when enabled."
  }

  assert {
    condition     = module.topics.alert_subscriptions == ["sqs:aplicacion-senas-prod-system-alerts-inbox", "email:ops@senas.example"]
    error_message = "The alert e-mail is subscribed besides the inbox queue."
  }

  assert {
    condition     = jsonencode(module.public_hostname.managed_records) == jsonencode({ alias = ["A"], validation = ["senas.example"] })
    error_message = "With a zone Terraform writes the validation record and the alias."
  }

  assert {
    condition     = module.ml_service.environment["SENAS_SAGEMAKER_ENDPOINT"] == output.sagemaker_endpoint_name
    error_message = "The ML service is given the endpoint."
  }
}

run "in_process_model_without_sagemaker" {
  providers = {
    aws         = aws
    aws.secrets = aws.offline
  }

  variables {
    sagemaker_enabled = false
  }

  assert {
    condition     = length(module.sagemaker) == 0 && output.sagemaker_endpoint_name == null
    error_message = "No endpoint when SageMaker is off."
  }

  assert {
    condition     = !contains(keys(module.ml_service.environment), "SENAS_SAGEMAKER_ENDPOINT")
    error_message = "Without an endpoint the ML service gets no SENAS_SAGEMAKER_ENDPOINT (it scores in process)."
  }

  assert {
    condition     = alltrue([for statement in module.task_roles.policy_statements.ml : !contains(statement.actions, "sagemaker:InvokeEndpoint")])
    error_message = "Without an endpoint the ML role may invoke nothing."
  }
}

run "hostname_is_validated" {
  providers = {
    aws         = aws
    aws.secrets = aws.offline
  }

  command = plan

  variables {
    public_hostname = "https://Dev.Senas.Example/"
  }

  expect_failures = [var.public_hostname]
}
