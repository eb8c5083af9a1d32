output "log_group_names" {
  description = "Log group name per Señas service."
  value       = { for name, group in aws_cloudwatch_log_group.service : name => group.name }
}

output "log_group_arns" {
  description = "Log group ARN per Señas service."
  value       = { for name, group in aws_cloudwatch_log_group.service : name => group.arn }
}

output "alarm_names" {
  description = "Names of every alarm."
  value = concat(
    [aws_cloudwatch_metric_alarm.error_rate.alarm_name, aws_cloudwatch_metric_alarm.database_capacity.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.dead_letters : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.cpu_high : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.memory_high : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.unhealthy_hosts : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.running_below_desired : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.healthy_below_minimum : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.oldest_message_age : alarm.alarm_name],
  )
}
