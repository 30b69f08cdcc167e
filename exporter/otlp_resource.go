package exporter

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// otlpServiceName is the default service.name of the resource.
const otlpServiceName = "vigil"

// otlpResource describes the agent (not the workloads it watches, which
// are record attributes). Later sources override earlier ones: defaults
// (service.name=vigil, a random service.instance.id, host.arch), detected
// host.name, host.id, os.type, os.description and telemetry.sdk.*, then
// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, then attrs. A detector
// failure returns the resource built from the others and the error.
func otlpResource(ctx context.Context, attrs map[string]string) (*resource.Resource, error) {
	defaults := []attribute.KeyValue{
		semconv.ServiceNameKey.String(otlpServiceName),
		semconv.ServiceInstanceIDKey.String(uuid.NewString()),
		semconv.HostArchKey.String(runtime.GOARCH),
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	given := make([]attribute.KeyValue, 0, len(keys))
	for _, k := range keys {
		given = append(given, attribute.String(k, attrs[k]))
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(defaults...),
		resource.WithHost(),
		resource.WithHostID(),
		resource.WithOSType(),
		resource.WithOSDescription(),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
		resource.WithAttributes(given...),
	)
	if err != nil {
		return res, fmt.Errorf("otlp resource: %w", err)
	}
	return res, nil
}
