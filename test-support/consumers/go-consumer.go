// A Go SDK v2 consumer for the e2e suite: config.LoadDefaultConfig (profile from the first
// argument, else AWS_PROFILE and the rest of the default chain), then GetCallerIdentity; prints
// {"Arn": …, "Account": …}. Built in GOPATH mode against Debian's golang-github-aws-aws-sdk-go-v2-dev.
// With `--credential-process-of <config file> <profile>` it prints, as a JSON string, the
// credential_process value the SDK's INI reader finds there, to check the test's model of it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	ctx := context.Background()
	if len(os.Args) == 4 && os.Args[1] == "--credential-process-of" {
		shared, err := config.LoadSharedConfigProfile(ctx, os.Args[3], func(o *config.LoadSharedConfigOptions) {
			o.ConfigFiles = []string{os.Args[2]}
			o.CredentialsFiles = []string{}
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "LoadSharedConfigProfile:", err)
			os.Exit(1)
		}
		_ = json.NewEncoder(os.Stdout).Encode(shared.CredentialProcess)
		return
	}
	var options []func(*config.LoadOptions) error
	if len(os.Args) > 1 && os.Args[1] != "" {
		options = append(options, config.WithSharedConfigProfile(os.Args[1]))
	}
	// Go SDK v2 1.17 predates AWS_ENDPOINT_URL_STS: the endpoint goes in code. Every client made
	// from this config uses it, the assume-role provider's own STS client included.
	if endpoint := os.Getenv("CONSUMER_STS_ENDPOINT"); endpoint != "" {
		resolver := aws.EndpointResolverWithOptionsFunc(
			func(service, region string, _ ...interface{}) (aws.Endpoint, error) {
				return aws.Endpoint{URL: endpoint, SigningRegion: region, HostnameImmutable: true}, nil
			})
		options = append(options, config.WithEndpointResolverWithOptions(resolver))
	}
	cfg, err := config.LoadDefaultConfig(ctx, options...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "LoadDefaultConfig:", err)
		os.Exit(1)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "GetCallerIdentity:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]string{"Arn": aws.ToString(out.Arn), "Account": aws.ToString(out.Account)})
}
