#include "fs/lambda/function_config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fs/base/printable.h"
#include "fs/lambda/json_text.h"

namespace layerfs {

namespace {

using Json = nlohmann::json;

Status Bad(std::string_view source, const std::string& what) {
  return Status::InvalidArgument(std::string(source) + ": " + what);
}

bool IsFunctionResourceType(const Json& type) {
  return type.is_string() && (type == "AWS::Lambda::Function" ||
                              type == "AWS::Serverless::Function");
}

// Finds the object that holds the function's fields, unwrapping the
// GetFunction and CloudFormation shapes.
Result<const Json*> FunctionObject(const Json& root, std::string_view source) {
  if (!root.is_object()) {
    return Bad(source,
               "expected a JSON object holding a function "
               "configuration");
  }
  auto configuration = root.find("Configuration");
  if (configuration != root.end() && configuration->is_object()) {
    return &*configuration;  // GetFunction
  }
  auto type = root.find("Type");
  auto properties = root.find("Properties");
  if (type != root.end() && IsFunctionResourceType(*type) &&
      properties != root.end() && properties->is_object()) {
    return &*properties;  // CloudFormation resource
  }
  auto functions = root.find("Functions");
  if (functions != root.end() && functions->is_array()) {
    return Bad(source, "this is a ListFunctions output with " +
                           std::to_string(functions->size()) +
                           " functions; give one of its items");
  }
  for (const char* key :
       {"FunctionName", "FunctionArn", "Layers", "Runtime", "Handler"}) {
    if (root.contains(key)) return &root;  // request or response
  }
  return Bad(source,
             "does not look like a Lambda function configuration: expected "
             "FunctionName, Runtime, Handler or Layers at the top level, or "
             "a GetFunction output with Configuration");
}

Status ReadString(const Json& object, const char* key, std::string_view source,
                  std::string* out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) {
    return Bad(source,
               std::string(key) + " is not a string but " + it->type_name());
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

// "arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]" -> name
std::string NameFromFunctionArn(const std::string& arn) {
  constexpr std::string_view kMarker = ":function:";
  std::size_t at = arn.find(kMarker);
  if (at == std::string::npos) return "";
  std::string rest = arn.substr(at + kMarker.size());
  return rest.substr(0, rest.find(':'));
}

Status ReadArchitectures(const Json& object, std::string_view source,
                         std::vector<std::string>* out) {
  auto it = object.find("Architectures");
  if (it != object.end() && !it->is_null()) {
    if (!it->is_array()) {
      return Bad(source, "Architectures is not a list but " +
                             std::string(it->type_name()));
    }
    for (const Json& item : *it) {
      if (!item.is_string() || (item != "x86_64" && item != "arm64")) {
        return Bad(source, "Architectures holds " + DescribeJson(item) +
                               "; expected \"x86_64\" or \"arm64\"");
      }
      out->push_back(item.get<std::string>());
    }
    if (out->size() > 1) {
      return Bad(source, "Architectures lists " + std::to_string(out->size()) +
                             " entries; a function has exactly one");
    }
  }
  if (out->empty()) out->emplace_back(kDefaultArchitecture);
  return Status::Ok();
}

Result<LayerArn> ReadLayer(const Json& item, std::size_t index,
                           std::string_view source) {
  std::string where = "Layers[" + std::to_string(index) + "]";
  const Json* arn = &item;
  if (item.is_object()) {
    auto found = item.find("Arn");
    if (found == item.end()) {
      for (const auto& [key, value] : item.items()) {
        if (key == "Ref" || key.starts_with("Fn::")) {
          return Bad(source, where + " is the CloudFormation expression {\"" +
                                 Printable(key) + "\": " + DescribeJson(value) + "}" +
                                 "; give the layer version ARN it resolves "
                                 "to");
        }
      }
      return Bad(source, where + " is an object without \"Arn\"");
    }
    arn = &*found;
  }
  if (!arn->is_string()) {
    return Bad(source,
               where + " is " + DescribeJson(*arn) + "; expected a layer version ARN");
  }
  Result<LayerArn> parsed = ParseLayerVersionArn(arn->get<std::string>());
  if (!parsed.ok())
    return Bad(source, where + ": " + parsed.status().message());
  return parsed;
}

Result<FunctionConfig> ParseFunction(const Json& root,
                                     std::string_view source) {
  Result<const Json*> found = FunctionObject(root, source);
  if (!found.ok()) return found.status();
  const Json& object = **found;

  FunctionConfig config;
  Status s = ReadString(object, "FunctionName", source, &config.function_name);
  if (!s.ok()) return s;
  if (config.function_name.empty()) {
    std::string function_arn;
    if (s = ReadString(object, "FunctionArn", source, &function_arn); !s.ok()) {
      return s;
    }
    config.function_name = NameFromFunctionArn(function_arn);
  }
  if (s = ReadString(object, "Runtime", source, &config.runtime); !s.ok()) {
    return s;
  }
  if (s = ReadString(object, "Handler", source, &config.handler); !s.ok()) {
    return s;
  }
  if (s = ReadArchitectures(object, source, &config.architectures); !s.ok()) {
    return s;
  }
  auto layers = object.find("Layers");
  if (layers != object.end() && !layers->is_null()) {
    if (!layers->is_array()) {
      return Bad(source, "Layers is not a list but " +
                             std::string(layers->type_name()));
    }
    for (std::size_t i = 0; i < layers->size(); ++i) {
      Result<LayerArn> arn = ReadLayer((*layers)[i], i, source);
      if (!arn.ok()) return arn.status();
      config.layers.push_back(std::move(*arn));
    }
  }
  return config;
}

}  // namespace

Result<FunctionConfig> ParseFunctionConfig(std::string_view json_text,
                                           std::string_view source) {
  if (Status s = CheckJsonDepth(json_text, source); !s.ok()) return s;
  try {
    return ParseFunction(Json::parse(json_text), source);
  } catch (const Json::exception& e) {
    return Bad(source, std::string("not valid JSON: ") + e.what());
  }
}

Result<FunctionConfig> LoadFunctionConfig(const std::string& path) {
  Result<std::string> text = ReadJsonFile(path, "function configuration");
  if (!text.ok()) return text.status();
  return ParseFunctionConfig(*text, path);
}

}  // namespace layerfs
