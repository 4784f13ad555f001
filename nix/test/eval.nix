# Evaluates nix/module.nix without nixpkgs (not available offline here), against a small stub of `lib`
# and `pkgs`. What it proves: the module parses, evaluates, renders the YAML config and the unit's
# [Service] lines as NixOS would write them. What it cannot prove: option types are not checked and
# definitions are not merged across modules (the stub takes one `user` attrset over the defaults).
#   nix-instantiate --eval --strict --json nix/test/eval.nix [--arg allowPing true]
{ allowPing ? false
, useConfigFile ? false
, package ? "/nix/store/00000000000000000000000000000000-understudy-0.1.0"
, coreutils ? "/nix/store/11111111111111111111111111111111-coreutils-9.5"
}:

let
  inherit (builtins) attrNames concatStringsSep filter foldl' isAttrs isBool isList isString listToAttrs map match mapAttrs split substring stringLength;

  lib = rec {
    mkOption = attrs: attrs;
    mkEnableOption = what: { default = false; description = "Whether to enable ${what}."; };
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    literalExpression = text: { _type = "literalExpression"; inherit text; };
    types = rec {
      bool = "bool"; str = "str"; path = "path"; package = "package";
      nullOr = t: "nullOr ${t}"; listOf = t: "listOf ${t}"; attrsOf = t: "attrsOf ${t}";
      submodule = m: { submodule = m; };
    };
    recursiveUpdate = a: b: a // mapAttrs (n: v: if isAttrs v && isAttrs (a.${n} or null) then recursiveUpdate a.${n} v else v) b;
    mapAttrsToList = f: attrs: map (n: f n attrs.${n}) (attrNames attrs);
    optional = cond: x: if cond then [ x ] else [ ];
    splitString = sep: s: filter isString (split sep s);
    last = list: builtins.elemAt list (builtins.length list - 1);
    toInt = s: builtins.fromJSON s;
    hasPrefix = p: s: substring 0 (stringLength p) s == p;
    removePrefix = p: s: if hasPrefix p s then substring (stringLength p) (stringLength s) s else s;
    # As nixpkgs' lib.escapeShellArg: safe words bare, anything else single-quoted.
    escapeShellArg = a: if match "[[:alnum:],._+:@%/-]+" a != null then a else "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] a}'";
    escapeShellArgs = args: concatStringsSep " " (map escapeShellArg args);
  };

  # A derivation-like value: coerces to its store path, and keeps what it renders for the assertions.
  pkgs = {
    formats.yaml = _: {
      type = "yaml value";
      generate = name: value: { outPath = builtins.toFile name (builtins.toJSON value); inherit value; };
    };
    inherit coreutils;
    iputils = "/nix/store/22222222222222222222222222222222-iputils-20240905";
  };

  # The seed's homelab, configured as nix/README.md shows.
  user = {
    enable = true;
    inherit package allowPing;
    listen = "100.64.0.2:8470";
    openFirewall = true;
    credentials.understudy-ntfy = "/run/agenix/understudy-ntfy";
    extraArgs = [ "--name" "vantage L001" ];
  } // (if useConfigFile then { configFile = "/etc/understudy-custom.yaml"; } else {
    settings = {
      hosts = {
        O001 = { address = "100.64.0.1"; site = "oracle"; public = true; };
        L001 = { address = "100.64.0.2"; site = "linode"; public = true; };
        H001 = { address = "100.64.0.13"; site = "home"; };
        H002 = { address = "100.64.0.3"; site = "home"; };
        H003 = { address = "10.12.14.1"; site = "home"; };
      };
      services = {
        headscale = { role = "control-plane"; criticality = "critical"; primary = "L001"; standby = [ ]; checks = [ { http = "https://hs.example.org/health"; } ]; };
        nginx = { role = "reverse-proxy"; criticality = "high"; runs_on = [ "O001" ]; };
        adguard = { role = "dns"; criticality = "high"; runs_on = [ "H003" ]; };
      };
      notify = [ { ntfy = { url = "https://ntfy.sh/homelab-alerts"; token = "file:/run/credentials/understudy.service/understudy-ntfy"; }; } ];
    };
  });

  module = import ../module.nix;
  declared = (module { config = { }; inherit lib pkgs; }).options.services.understudy;
  defaults = mapAttrs (name: option: option.default or null) declared;
  cfg = defaults // user;
  evaluated = module { config.services.understudy = cfg; inherit lib pkgs; };

  # The stub's module system: resolve mkIf, and nothing else.
  resolve = value:
    if isAttrs value && (value._type or null) == "if" then (if value.condition then resolve value.content else null)
    else if isAttrs value && !(value ? outPath) then mapAttrs (n: resolve) value
    else value;
  result = resolve evaluated.config;
  service = result.systemd.services.understudy;

  # As NixOS renders [Service]: a list is one line per item, booleans are true/false.
  render = value: if isBool value then (if value then "true" else "false") else toString value;
  lines = attrs: builtins.concatLists (map (key:
    let value = attrs.${key}; in
    map (item: "${key}=${render item}") (if isList value then value else [ value ])) (attrNames attrs));
  serviceLines = lines service.serviceConfig;
  # The whole unit file, for `systemd-analyze verify`.
  unitText = concatStringsSep "\n" ([ "[Unit]" ] ++ lines { Description = service.description; Documentation = service.documentation; Wants = service.wants; After = service.after; }
    ++ [ "" "[Service]" ] ++ mapAttrsToList' (n: v: "Environment=${n}=${v}") service.environment ++ serviceLines
    ++ [ "" "[Install]" ] ++ lines { WantedBy = service.wantedBy; }) + "\n";
  mapAttrsToList' = lib.mapAttrsToList;
in
{
  assertions = map (a: { inherit (a) assertion message; }) result.assertions;
  etc = if result.environment.etc == null then { } else mapAttrs (n: v: toString v.source) result.environment.etc;
  settings = if result.environment.etc == null then null else result.environment.etc."understudy/understudy.yaml".source.value;
  firewall = result.networking.firewall.allowedTCPPorts;
  unit = {
    inherit (service) wantedBy after path environment;
    reloadTriggers = map toString service.reloadTriggers;
    service = serviceLines;
    text = unitText;
  };
}
