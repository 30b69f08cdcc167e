{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "vigil.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name of the release's objects. */}}
{{- define "vigil.fullname" -}}
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

{{/* Labels on every object. */}}
{{- define "vigil.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "vigil.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: agent
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels that select the agent's pods; never change them after install. */}}
{{- define "vigil.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vigil.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "vigil.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vigil.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vigil.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* Where the rules files are mounted in the container. */}}
{{- define "vigil.rulesDir" -}}/etc/vigil/rules.d{{- end }}

{{/*
Whether the agent loads rules files from the chart's mounts. Without custom
rules it uses the built-in rules compiled into the binary.
*/}}
{{- define "vigil.rulesFromFiles" -}}
{{- if or .Values.rules.custom .Values.rules.existingConfigMaps }}true{{- end }}
{{- end }}

{{/* The agent's configuration file (docs/configuration.md). */}}
{{- define "vigil.config" -}}
{{- $cfg := dict "web" (dict "listen_address" (printf ":%d" (int .Values.metrics.port))) }}
{{- if include "vigil.rulesFromFiles" . }}
{{- $files := list }}
{{- if .Values.rules.builtin }}
{{- $files = append $files (printf "%s/builtin" (include "vigil.rulesDir" .)) }}
{{- end }}
{{- if .Values.rules.custom }}
{{- $files = append $files (printf "%s/custom" (include "vigil.rulesDir" .)) }}
{{- end }}
{{- range .Values.rules.existingConfigMaps }}
{{- $files = append $files (printf "%s/%s" (include "vigil.rulesDir" $) .) }}
{{- end }}
{{- $_ := set $cfg "rules" (dict "files" $files) }}
{{- end }}
{{- with .Values.otlp }}
{{- if .endpoint }}
{{- $otlp := dict "endpoint" .endpoint "insecure" .insecure }}
{{- with .protocol }}{{ $_ := set $otlp "protocol" . }}{{ end }}
{{- with .headers }}{{ $_ := set $otlp "headers" . }}{{ end }}
{{- with .minPriority }}{{ $_ := set $otlp "min_priority" . }}{{ end }}
{{- $_ := set $cfg "otlp" $otlp }}
{{- end }}
{{- end }}
{{- toYaml (mustMergeOverwrite $cfg (deepCopy .Values.config)) }}
{{- end }}

{{/* OTEL_RESOURCE_ATTRIBUTES: the agent's node and cluster, then the user's. */}}
{{- define "vigil.resourceAttributes" -}}
{{- $attrs := list "k8s.node.name=$(NODE_NAME)" }}
{{- with .Values.clusterName }}
{{- $attrs = append $attrs (printf "k8s.cluster.name=%s" .) }}
{{- end }}
{{- range $k, $v := .Values.otlp.resourceAttributes }}
{{- $attrs = append $attrs (printf "%s=%s" $k $v) }}
{{- end }}
{{- join "," $attrs }}
{{- end }}

{{/*
Relabelings of both monitors: job is metrics.job (the alert rules select
it), and a target is named after its node in node and instance, so alerts
and dashboards say which node rather than which pod IP.
*/}}
{{- define "vigil.relabelings" -}}
- targetLabel: job
  replacement: {{ .Values.metrics.job }}
- sourceLabels: [__meta_kubernetes_pod_node_name]
  targetLabel: node
- sourceLabels: [__meta_kubernetes_pod_node_name]
  targetLabel: instance
{{- end }}
