{{/* Names and labels. */}}
{{- define "etcd-triage.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "etcd-triage.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "etcd-triage.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "etcd-triage.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component: combined, front, workers or redis. Argument: (list $ component). */}}
{{- define "etcd-triage.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "etcd-triage.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "etcd-triage.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "etcd-triage.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "etcd-triage.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The component that serves HTTP (the Service's endpoints): combined, or front when split. */}}
{{- define "etcd-triage.httpComponent" -}}
{{- if eq .Values.topology "split" }}front{{ else }}combined{{ end }}
{{- end }}

{{- define "etcd-triage.port" -}}
{{- $server := .Values.config.server | default dict }}
{{- $server.port | default 3000 | int }}
{{- end }}

{{- define "etcd-triage.webhookPath" -}}
{{- $am := .Values.config.alertmanager | default dict }}
{{- $am.path | default "/alertmanager" }}
{{- end }}

{{/*
The bot's config file as rendered: config, with every cluster completed from clusterDefaults (whole fields)
and Socket Mode set from slack.mode.
*/}}
{{- define "etcd-triage.configData" -}}
{{- $cfg := deepCopy (.Values.config | default dict) }}
{{- $clusters := dict }}
{{- range $name, $c := ($cfg.clusters | default dict) }}
{{- if $c }}
{{- $merged := deepCopy $c }}
{{- range $k, $v := $.Values.clusterDefaults }}
{{- if not (hasKey $merged $k) }}{{ $_ := set $merged $k (deepCopy $v) }}{{ end }}
{{- end }}
{{- $_ := set $clusters $name $merged }}
{{- end }}
{{- end }}
{{- $_ := set $cfg "clusters" $clusters }}
{{- $slackCfg := $cfg.slack | default dict }}
{{- if and (hasKey $slackCfg "mode") (ne (toString $slackCfg.mode) .Values.slack.mode) }}
{{- fail (printf "config.slack.mode (%v) disagrees with slack.mode (%s): set slack.mode only, the chart renders it into the config" $slackCfg.mode .Values.slack.mode) }}
{{- end }}
{{- if eq .Values.slack.mode "socket" }}
{{- $_ := set $slackCfg "mode" "socket" }}
{{- $_ := set $cfg "slack" $slackCfg }}
{{- end }}
{{- toYaml $cfg }}
{{- end }}

{{/*
Environment variables the config names (every string field whose key ends in "Env"), one "path=NAME" per line.
Argument: (list path value).
*/}}
{{- define "etcd-triage.envRefs" -}}
{{- $path := index . 0 }}
{{- $v := index . 1 }}
{{- if kindIs "map" $v }}
{{- range $k, $x := $v }}
{{- $p := ternary $k (printf "%s.%s" $path $k) (eq $path "") }}
{{- if and (hasSuffix "Env" $k) (kindIs "string" $x) }}
{{ printf "%s=%s" $p $x }}
{{- end }}
{{- include "etcd-triage.envRefs" (list $p $x) }}
{{- end }}
{{- else if kindIs "slice" $v }}
{{- range $i, $x := $v }}
{{- include "etcd-triage.envRefs" (list (printf "%s[%d]" $path $i) $x) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
What the Kubernetes log sources of the config need, as JSON: {"namespaces": {ns: [pod, ...]}, "tokenEnvs": [...]}.
Pods are listed so the Role grants their logs only.
*/}}
{{- define "etcd-triage.kubeLogAccess" -}}
{{- $cfg := include "etcd-triage.configData" . | fromYaml }}
{{- $namespaces := dict }}
{{- $tokens := list }}
{{- range $name, $c := $cfg.clusters }}
{{- range $src := ($c.logs | default list) }}
{{- if eq (toString $src.type) "kubernetes" }}
{{- $ns := $src.namespace | default "kube-system" }}
{{- $pods := get $namespaces $ns | default list }}
{{- range $member, $pod := ($src.pods | default dict) }}{{ $pods = append $pods $pod }}{{ end }}
{{- $_ := set $namespaces $ns ($pods | uniq | sortAlpha) }}
{{- if $src.tokenEnv }}{{ $tokens = append $tokens $src.tokenEnv }}{{ end }}
{{- end }}
{{- end }}
{{- end }}
{{- dict "namespaces" $namespaces "tokenEnvs" ($tokens | uniq | sortAlpha) | toJson }}
{{- end }}

{{/* Token variables of Kubernetes log sources filled from this ServiceAccount's token Secret. */}}
{{- define "etcd-triage.kubeTokenEnvs" -}}
{{- $access := include "etcd-triage.kubeLogAccess" . | fromJson }}
{{- $out := list }}
{{- if .Values.rbac.create }}
{{- range $env := $access.tokenEnvs }}
{{- if not (hasKey $.Values.secrets.env $env) }}{{ $out = append $out $env }}{{ end }}
{{- end }}
{{- end }}
{{- $out | toJson }}
{{- end }}

{{/* Checks the schema cannot express: they fail rendering with the value's path. */}}
{{- define "etcd-triage.validate" -}}
{{- $cfg := include "etcd-triage.configData" . | fromYaml }}
{{- if not .Values.secrets.existingSecret }}
{{- fail "secrets.existingSecret: name the Secret holding the Slack tokens (see the chart README); secrets are never taken from values" }}
{{- end }}
{{- $provided := dict }}
{{- range $name, $ref := .Values.secrets.env }}{{ $_ := set $provided $name true }}{{ end }}
{{- range $e := .Values.extraEnv }}{{ $_ := set $provided $e.name true }}{{ end }}
{{- range $e := include "etcd-triage.kubeTokenEnvs" . | fromJsonArray }}{{ $_ := set $provided $e true }}{{ end }}
{{- range $line := include "etcd-triage.envRefs" (list "" $cfg) | trim | splitList "\n" }}
{{- if $line }}
{{- $parts := splitList "=" $line }}
{{- $env := index $parts 1 }}
{{- if not (hasKey $provided $env) }}
{{- fail (printf "config.%s names the environment variable %s, which nothing provides: add secrets.env.%s: {key: ...} (a key of secrets.existingSecret) or an extraEnv entry" (index $parts 0) $env $env) }}
{{- end }}
{{- end }}
{{- end }}
{{- $server := $cfg.server | default dict }}
{{- if and $server.shutdownTimeoutSeconds (ge (int $server.shutdownTimeoutSeconds) (int .Values.terminationGracePeriodSeconds)) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed config.server.shutdownTimeoutSeconds (%d): Kubernetes kills the pod when the grace period ends" (int .Values.terminationGracePeriodSeconds) (int $server.shutdownTimeoutSeconds)) }}
{{- end }}
{{- if and .Values.ingress.enabled (eq .Values.slack.mode "socket") (not $cfg.alertmanager) }}
{{- fail "ingress.enabled: nothing to route: Socket Mode needs no public URL and the config has no alertmanager webhook" }}
{{- end }}
{{- if .Values.alertmanagerConfig.enabled }}
{{- if not $cfg.alertmanager }}
{{- fail "alertmanagerConfig.enabled: the config has no alertmanager section, so the bot serves no webhook to route to" }}
{{- end }}
{{- $auth := $cfg.alertmanager.auth | default dict }}
{{- $basic := $auth.basic | default dict }}
{{- range $env := compact (list $auth.tokenEnv $basic.usernameEnv $basic.passwordEnv) }}
{{- if not (hasKey $.Values.secrets.env $env) }}
{{- fail (printf "alertmanagerConfig.enabled: Alertmanager reads the webhook credentials from a Secret, so %s must come from secrets.env (a Secret key), not extraEnv" $env) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* A secretKeyRef env entry. Argument: (list envName secretName key). */}}
{{- define "etcd-triage.secretEnv" -}}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ index . 1 | quote }}
      key: {{ index . 2 | quote }}
{{- end }}

{{/* Environment of every etcd-triage container. Argument: (list $ component). */}}
{{- define "etcd-triage.env" -}}
{{- $root := index . 0 }}
{{- $component := index . 1 }}
{{- $v := $root.Values }}
- name: ETCD_TRIAGE_CONFIG
  value: /etc/etcd-triage/config.yaml
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
{{ include "etcd-triage.secretEnv" (list "SLACK_BOT_TOKEN" $v.secrets.existingSecret $v.secrets.keys.slackBotToken) }}
{{- if ne $component "workers" }}
{{- if eq $v.slack.mode "http" }}
{{ include "etcd-triage.secretEnv" (list "SLACK_SIGNING_SECRET" $v.secrets.existingSecret $v.secrets.keys.slackSigningSecret) }}
{{- else }}
{{ include "etcd-triage.secretEnv" (list "SLACK_APP_TOKEN" $v.secrets.existingSecret $v.secrets.keys.slackAppToken) }}
{{- end }}
{{- end }}
{{- if $v.redis.bundled.enabled }}
- name: REDIS_URL
  value: {{ printf "redis://%s-redis:6379" (include "etcd-triage.fullname" $root) | quote }}
{{- else if $v.redis.existingSecret }}
{{ include "etcd-triage.secretEnv" (list "REDIS_URL" $v.redis.existingSecret $v.redis.existingSecretKey) }}
{{- else }}
- name: REDIS_URL
  value: {{ $v.redis.url | quote }}
{{- end }}
{{- range $name, $ref := $v.secrets.env }}
{{ include "etcd-triage.secretEnv" (list $name ($ref.secret | default $v.secrets.existingSecret) $ref.key) }}
{{- end }}
{{- range $env := include "etcd-triage.kubeTokenEnvs" $root | fromJsonArray }}
{{ include "etcd-triage.secretEnv" (list $env (printf "%s-kube-token" (include "etcd-triage.fullname" $root)) "token") }}
{{- end }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The AlertmanagerConfig spec routing etcd alerts to the webhook: rendered as an object with
alertmanagerConfig.enabled, and printed as an example in NOTES.txt otherwise. Notifications carry resolutions
(sendResolved), which the bot's thread state relies on, and at most as many alerts as the bot keeps per
notification (config.alertmanager.maxAlertsPerNotification, 1000 by default): Alertmanager counts the rest in
truncatedAlerts, which the thread shows.
*/}}
{{- define "etcd-triage.alertmanagerConfigSpec" -}}
{{- $v := .Values }}
{{- $am := $v.config.alertmanager | default dict }}
{{- $auth := $am.auth | default dict }}
{{- $basic := $auth.basic | default dict }}
{{- $ref := dict "secret" $v.secrets.existingSecret "key" "<key of the webhook token>" }}
{{- $url := printf "http://%s.%s.svc:%d%s" (include "etcd-triage.fullname" .) .Release.Namespace (int $v.service.port) (include "etcd-triage.webhookPath" .) }}
{{- $http := dict }}
{{- if $auth.tokenEnv }}
{{- $r := get $v.secrets.env $auth.tokenEnv | default dict }}
{{- $_ := set $http "authorization" (dict "type" "Bearer" "credentials" (dict "name" ($r.secret | default $v.secrets.existingSecret) "key" ($r.key | default "<key of the webhook token>"))) }}
{{- else if $basic.usernameEnv }}
{{- $u := get $v.secrets.env $basic.usernameEnv | default dict }}
{{- $p := get $v.secrets.env $basic.passwordEnv | default dict }}
{{- $_ := set $http "basicAuth" (dict
      "username" (dict "name" ($u.secret | default $v.secrets.existingSecret) "key" ($u.key | default "<key of the user name>"))
      "password" (dict "name" ($p.secret | default $v.secrets.existingSecret) "key" ($p.key | default "<key of the password>"))) }}
{{- end }}
{{- $amc := $v.alertmanagerConfig }}
{{- $hook := dict "url" $url "sendResolved" true "maxAlerts" (int ($am.maxAlertsPerNotification | default 1000)) }}
{{- if $http }}{{ $_ := set $hook "httpConfig" $http }}{{ end }}
{{- $route := dict "receiver" "etcd-triage" "matchers" $amc.matchers "groupBy" $amc.groupBy "groupWait" $amc.groupWait "groupInterval" $amc.groupInterval "repeatInterval" $amc.repeatInterval "continue" true }}
{{- toYaml (dict "route" $route "receivers" (list (dict "name" "etcd-triage" "webhookConfigs" (list $hook)))) }}
{{- end }}
