{{/* Names: one name per component everywhere, "<release>-<component>". */}}
{{- define "tollgate.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tollgate.selectorLabels" -}}
app.kubernetes.io/name: tollgate
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tollgate.labels" -}}
{{ include "tollgate.selectorLabels" . }}
app.kubernetes.io/part-of: tollgate
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* <registry>/<component>:<tag>, or the component's own repository and tag. */}}
{{- define "tollgate.image" -}}
{{- $values := .root.Values -}}
{{- $repository := .image.repository | default (printf "%s/%s" $values.image.registry .name) -}}
{{- $tag := .image.tag | default $values.image.tag | default .root.Chart.AppVersion -}}
{{- if hasPrefix "@" $tag -}}
{{- printf "%s%s" $repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "tollgate.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "tollgate.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Environment shared by every component: log level, OpenTelemetry, then default.env. */}}
{{- define "tollgate.commonEnv" -}}
{{- $values := .root.Values -}}
- name: OTEL_SERVICE_NAME
  value: {{ .component }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "service.namespace=%s,deployment.environment.name=%s" .root.Release.Namespace .root.Release.Name | quote }}
{{- if $values.telemetry.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $values.telemetry.otlpEndpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $values.telemetry.otlpProtocol | quote }}
{{- else }}
- name: OTEL_SDK_DISABLED
  value: "true"
{{- end }}
{{- with $values.default.env }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "tollgate.redisUrl" -}}
{{- if .Values.redis.bundled -}}
{{- printf "redis://%s:6379/0" (include "tollgate.fullname" (dict "root" . "component" "redis")) -}}
{{- else -}}
{{- required "redis.externalUrl is required when redis.bundled is false" .Values.redis.externalUrl -}}
{{- end -}}
{{- end -}}

{{- define "tollgate.publicHost" -}}
{{- regexReplaceAll "^https?://([^/:]+).*$" .Values.publicUrl "${1}" -}}
{{- end -}}

{{/* Pod scheduling knobs from default. */}}
{{- define "tollgate.scheduling" -}}
{{- with .Values.default.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.default.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.default.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
How front, auth and policy find tenants: they watch the operator's labelled ConfigMap through the
Kubernetes API (a change reaches them in a second, not at the kubelet's next volume refresh).
Argument: the env prefix, e.g. TOLLGATE_AUTH_; the root context as "root".
*/}}
{{- define "tollgate.tenantsSourceEnv" -}}
- {name: {{ .prefix }}TENANTS_SOURCE, value: kubernetes}
- {name: {{ .prefix }}TENANTS_NAMESPACE, value: {{ .root.Release.Namespace | quote }}}
- name: {{ .prefix }}TENANTS_LABEL_SELECTOR
  value: {{ printf "tollgate.dev/tenant-configs=true,app.kubernetes.io/instance=%s" .root.Release.Name | quote }}
{{- end -}}

{{/* Egress to the Kubernetes API server (its Service's port and the usual endpoint ports). */}}
{{- define "tollgate.apiServerEgress" -}}
- ports:
    - {protocol: TCP, port: 443}
    - {protocol: TCP, port: 6443}
{{- end -}}

{{/* DNS egress, which every pod with an egress policy needs. */}}
{{- define "tollgate.dnsEgress" -}}
- to:
    - namespaceSelector: {}
  ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
{{- end -}}

{{- define "tollgate.collectorEgress" -}}
{{- if .Values.telemetry.collectorPort }}
- to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/component: otel-collector
  ports:
    - {protocol: TCP, port: {{ .Values.telemetry.collectorPort }}}
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget for a component with more than one replica. */}}
{{- define "tollgate.pdb" -}}
{{- $component := index .root.Values .component -}}
{{- if and $component.pdb.enabled (gt (int $component.replicas) 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "tollgate.fullname" . }}
  labels:
    {{- include "tollgate.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $component.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "tollgate.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{- define "tollgate.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "tollgate.fullname" . }}
  labels:
    {{- include "tollgate.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}
