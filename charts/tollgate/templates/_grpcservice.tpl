{{/*
A gRPC service of ours (auth, policy): ServiceAccount, Deployment with native grpc probes,
Service, PDB and a NetworkPolicy naming exactly who may call it.
Arguments: root, component, env (list), secretMounts (list of name, secretName, mountPath), callers (components allowed to call the gRPC port),
httpPort (0 for none), workers (may call tenant workers), redis (may reach Redis).
*/}}
{{- define "tollgate.grpcService" -}}
{{- $root := .root -}}
{{- $ctx := dict "root" $root "component" .component -}}
{{- $v := index $root.Values .component -}}
{{- $prefix := printf "TOLLGATE_%s_" (upper .component) -}}
{{ include "tollgate.serviceAccount" $ctx }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "tollgate.fullname" $ctx }}
  labels:
    {{- include "tollgate.labels" $ctx | nindent 4 }}
spec:
  replicas: {{ $v.replicas }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "tollgate.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "tollgate.labels" $ctx | nindent 8 }}
      {{- with $root.Values.default.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "tollgate.fullname" $ctx }}
      # The token reads the tenant ConfigMaps (see tenant-configs-reader.yaml), nothing else.
      automountServiceAccountToken: true
      enableServiceLinks: false
      securityContext:
        {{- include "tollgate.podSecurityContext" $root | nindent 8 }}
      {{- include "tollgate.scheduling" $root | nindent 6 }}
      containers:
        - name: {{ .component }}
          image: {{ include "tollgate.image" (dict "root" $root "name" .component "image" $v.image) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - {name: grpc, containerPort: {{ $v.grpcPort }}, protocol: TCP}
            {{- if .httpPort }}
            - {name: http, containerPort: {{ .httpPort }}, protocol: TCP}
            {{- end }}
          env:
            - {name: {{ $prefix }}HOST, value: "0.0.0.0"}
            - {name: {{ $prefix }}PORT, value: {{ $v.grpcPort | quote }}}
            - {name: {{ $prefix }}LOG_LEVEL, value: {{ $root.Values.default.logLevel | quote }}}
            {{- include "tollgate.tenantsSourceEnv" (dict "root" $root "prefix" $prefix) | nindent 12 }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- include "tollgate.commonEnv" $ctx | nindent 12 }}
            {{- with $v.env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            grpc: {port: {{ $v.grpcPort }}}
            periodSeconds: 2
            failureThreshold: 30
          readinessProbe:
            grpc: {port: {{ $v.grpcPort }}}
            periodSeconds: 5
          livenessProbe:
            grpc: {port: {{ $v.grpcPort }}}
            periodSeconds: 20
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "tollgate.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
            {{- range .secretMounts }}
            - {name: {{ .name }}, mountPath: {{ .mountPath }}, readOnly: true}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {sizeLimit: 64Mi}
        {{- range .secretMounts }}
        - name: {{ .name }}
          secret:
            secretName: {{ .secretName }}
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "tollgate.fullname" $ctx }}
  labels:
    {{- include "tollgate.labels" $ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "tollgate.selectorLabels" $ctx | nindent 4 }}
  ports:
    - {name: grpc, port: {{ $v.grpcPort }}, targetPort: grpc, protocol: TCP, appProtocol: grpc}
    {{- if .httpPort }}
    - {name: http, port: {{ .httpPort }}, targetPort: http, protocol: TCP, appProtocol: http}
    {{- end }}
{{- include "tollgate.pdb" $ctx }}
{{- if $root.Values.networkPolicy.enabled }}
---
# {{ .component }}: gRPC from {{ join " and " .callers }} only{{ if .httpPort }}; its HTTP pages from the ingress{{ end }}.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "tollgate.fullname" $ctx }}
  labels:
    {{- include "tollgate.labels" $ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "tollgate.selectorLabels" $ctx | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        {{- range .callers }}
        - podSelector:
            matchLabels:
              {{- include "tollgate.selectorLabels" (dict "root" $root "component" .) | nindent 14 }}
        {{- end }}
      ports:
        - {protocol: TCP, port: {{ $v.grpcPort }}}
    {{- if .httpPort }}
    - from:
        - namespaceSelector:
            {{- toYaml $root.Values.networkPolicy.ingressNamespaceSelector | nindent 12 }}
      ports:
        - {protocol: TCP, port: {{ .httpPort }}}
    {{- end }}
  egress:
    {{- include "tollgate.dnsEgress" $root | nindent 4 }}
    {{- include "tollgate.apiServerEgress" $root | nindent 4 }}
    {{- if .redis }}
    {{- if $root.Values.redis.bundled }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "tollgate.selectorLabels" (dict "root" $root "component" "redis") | nindent 14 }}
      ports:
        - {protocol: TCP, port: 6379}
    {{- else }}
    - ports:
        - {protocol: TCP, port: 6379}
        - {protocol: TCP, port: 6380}
    {{- end }}
    {{- end }}
    {{- if .workers }}
    - to:
        - namespaceSelector: {}
          podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ $root.Release.Name }}
              app.kubernetes.io/component: worker
      ports:
        - {protocol: TCP, port: 50051}
    {{- end }}
    {{- if .policy }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "tollgate.selectorLabels" (dict "root" $root "component" "policy") | nindent 14 }}
      ports:
        - {protocol: TCP, port: {{ $root.Values.policy.grpcPort }}}
    {{- end }}
    {{- include "tollgate.collectorEgress" $root | nindent 4 }}
{{- end }}
{{- end -}}
