# A boto3 consumer for the e2e suite: boto3.Session() (AWS_PROFILE and the default chain), then
# get_caller_identity; prints {"Arn": ..., "Account": ...}. Debian's boto3 1.26 / botocore 1.29
# predate AWS_ENDPOINT_URL_STS: the endpoint comes from AWS_DATA_PATH (see consumers.ts).
import json
import sys

import boto3

identity = boto3.Session().client("sts").get_caller_identity()
json.dump({"Arn": identity["Arn"], "Account": identity["Account"]}, sys.stdout)
sys.stdout.write("\n")
