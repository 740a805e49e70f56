{{- define "hd.name" -}}{{ .Release.Name }}-hybrid-doctor{{- end -}}
{{- define "hd.sa" -}}{{ default (include "hd.name" .) .Values.serviceAccount.name }}{{- end -}}
{{- define "hd.labels" -}}
app.kubernetes.io/name: hybrid-doctor
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{/* The pod both the Job and the CronJob run: read-only root, non-root, no privileges, /tmp and /out writable. */}}
{{- define "hd.podSpec" -}}
serviceAccountName: {{ include "hd.sa" . }}
restartPolicy: Never
automountServiceAccountToken: true
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
securityContext:
  runAsNonRoot: true
  runAsUser: 65532
  runAsGroup: 65532
  fsGroup: 65532
  seccompProfile: { type: RuntimeDefault }
containers:
  - name: hybrid-doctor
    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    args:
      - {{ .Values.command | quote }}
      {{- if eq .Values.command "run" }}
      - --target
      - /etc/hybrid-doctor/target.yaml
      - --fail-on
      - {{ .Values.failOn | quote }}
      - --out
      - /out/report
      {{- end }}
      {{- range .Values.args }}
      - {{ . | quote }}
      {{- end }}
    env:
      - { name: NO_COLOR, value: "1" }
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: { drop: [ALL] }
    resources: {{ toYaml .Values.resources | nindent 6 }}
    volumeMounts:
      - { name: target, mountPath: /etc/hybrid-doctor, readOnly: true }
      {{- if .Values.secrets.robot.existingSecret }}
      - { name: robot, mountPath: /var/run/secrets/hybrid-doctor/robot, readOnly: true }
      {{- end }}
      {{- if .Values.secrets.admin.existingSecret }}
      - { name: admin, mountPath: /var/run/secrets/hybrid-doctor/admin, readOnly: true }
      {{- end }}
      {{- if .Values.secrets.caBundle.existingConfigMap }}
      - { name: ca, mountPath: /etc/hybrid-doctor/ca, readOnly: true }
      {{- end }}
      - { name: tmp, mountPath: /tmp }
      - { name: out, mountPath: /out }
volumes:
  - name: target
    configMap: { name: {{ include "hd.name" . }}-target }
  {{- if .Values.secrets.robot.existingSecret }}
  - name: robot
    secret: { secretName: {{ .Values.secrets.robot.existingSecret }}, items: [{ key: {{ .Values.secrets.robot.key }}, path: secret }] }
  {{- end }}
  {{- if .Values.secrets.admin.existingSecret }}
  - name: admin
    secret: { secretName: {{ .Values.secrets.admin.existingSecret }}, items: [{ key: {{ .Values.secrets.admin.key }}, path: password }] }
  {{- end }}
  {{- if .Values.secrets.caBundle.existingConfigMap }}
  - name: ca
    configMap: { name: {{ .Values.secrets.caBundle.existingConfigMap }}, items: [{ key: {{ .Values.secrets.caBundle.key }}, path: ca.crt }] }
  {{- end }}
  - { name: tmp, emptyDir: { sizeLimit: 256Mi } }
  - { name: out, emptyDir: { sizeLimit: 256Mi } }
{{- with .Values.nodeSelector }}
nodeSelector: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity: {{ toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
