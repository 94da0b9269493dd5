{{/* Labels every object carries. */}}
{{- define "gongnon.labels" -}}
app.kubernetes.io/part-of: gongnon
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* A service's selector: (dict "root" $ "name" "voting-svc") */}}
{{- define "gongnon.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* A service's image, by digest when one is given, else by its pinned tag. */}}
{{- define "gongnon.image" -}}
{{- $img := .root.Values.image -}}
{{- $digest := get $img.digests .name -}}
{{- if $digest -}}
{{ printf "%s/%s@%s" $img.registry .name $digest }}
{{- else -}}
{{- $tag := $img.tag | default .root.Chart.AppVersion -}}
{{- if eq (toString $tag) "latest" -}}{{- fail "image.tag: pin a version, not latest" -}}{{- end -}}
{{ printf "%s/%s:%s" $img.registry .name $tag }}
{{- end -}}
{{- end -}}

{{/* "a=1,b=2" from the topics' partition counts. */}}
{{- define "gongnon.topicPartitions" -}}
{{- $parts := list -}}
{{- range $topic, $spec := .Values.kafka.topics -}}
{{- $parts = append $parts (printf "%s=%d" $topic (int $spec.partitions)) -}}
{{- end -}}
{{- join "," $parts -}}
{{- end -}}

{{/* A value that must be set when the chart makes the Secrets. */}}
{{- define "gongnon.required" -}}
{{- required (printf "secrets.%s is required when secrets.create is true" .key) .value -}}
{{- end -}}

{{/* MongoDB database of a service: the chassis' default name (SERVICE_NAME with - → _). */}}
{{- define "gongnon.database" -}}
{{- . | replace "-" "_" -}}
{{- end -}}

{{/* Pod and container security contexts: non-root, read-only root, no privileges. */}}
{{- define "gongnon.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile: {type: RuntimeDefault}
{{- end -}}

{{- define "gongnon.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities: {drop: [ALL]}
{{- end -}}
