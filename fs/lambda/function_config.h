// A Lambda function's configuration, as far as its /opt is concerned.
//
// Users hold a function's configuration in one of several JSON shapes, and
// all of them are accepted here:
//   - a CreateFunction or UpdateFunctionConfiguration request (also the
//     Properties of a CloudFormation AWS::Lambda::Function):
//       {"FunctionName": ..., "Runtime": ..., "Handler": ...,
//        "Architectures": ["arm64"], "Layers": ["arn:...:layer:x:3"]}
//   - a GetFunctionConfiguration response or one ListFunctions item:
//       {..., "Layers": [{"Arn": "arn:...:layer:x:3", "CodeSize": 169}]}
//   - a GetFunction response: {"Configuration": {...}, "Code": {...}}
//   - a CloudFormation resource: {"Type": "AWS::Lambda::Function",
//       "Properties": {...}} (layers must be literal ARNs, not Ref/Fn::*)
// Every layer must be a valid layer version ARN; the error names the file,
// the position in Layers and what is wrong with the ARN. Lambda's limits
// (5 layers, duplicates) are not checked here: that is for the caller, who
// decides between error and warning.
//
// Plain values and pure functions: safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fs/lambda/layer_arn.h"
#include "fs/base/status.h"

namespace layerfs {

inline constexpr std::string_view kDefaultArchitecture = "x86_64";

struct FunctionConfig {
  // As given (a name or an ARN), else the name inside FunctionArn; may be
  // empty when the configuration gives neither.
  std::string function_name;
  std::string runtime;  // "python3.12"; empty for images or when not given
  std::string handler;  // "index.handler"; may be empty
  // One entry ("x86_64" or "arm64"); {"x86_64"} when not given.
  std::vector<std::string> architectures;
  // Layer version ARNs in the order Lambda applies them: the last wins.
  std::vector<LayerArn> layers;
};

// Parses `json_text`; `source` names it in errors (usually its path).
Result<FunctionConfig> ParseFunctionConfig(std::string_view json_text,
                                           std::string_view source);

// Reads and parses the file at `path`.
Result<FunctionConfig> LoadFunctionConfig(const std::string& path);

}  // namespace layerfs
