# NixOS module for the Understudy agent: `services.understudy`.
#
# The config is either `settings` (an attrset rendered to YAML, checked by the agent at start) or a
# ready `configFile`. Secrets never enter the Nix store: `credentials` hands files (agenix, sops-nix)
# to the service with systemd's LoadCredential, and `settings` names them as
# "file:/run/credentials/understudy.service/<name>". See nix/README.md.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.understudy;
  inherit (lib) mkOption mkEnableOption mkIf types;

  settingsFormat = pkgs.formats.yaml { };

  # The agent reads its port from `agents.listen`; the module's `listen` is the one place to set it, so
  # that the firewall and the agent cannot disagree.
  renderedSettings = lib.recursiveUpdate { version = 1; agents.listen = cfg.listen; } cfg.settings;
  generatedFile = settingsFormat.generate "understudy.yaml" renderedSettings;

  # The rendered file is linked at a stable path, so that a changed config reloads the agent (SIGHUP,
  # incidents and schedules kept) instead of restarting it with a new ExecStart.
  configPath = if cfg.configFile != null then toString cfg.configFile else "/etc/understudy/understudy.yaml";

  port = lib.toInt (lib.last (lib.splitString ":" cfg.listen));
  stateDirectory = lib.removePrefix "/var/lib/" cfg.dataDir;

  # toString, never "${path}": interpolating a path literal would copy the secret into the world-readable store.
  loadCredential = lib.mapAttrsToList (name: path: "${name}:${toString path}") cfg.credentials;
in
{
  options.services.understudy = {
    enable = mkEnableOption "the Understudy agent (watches the topology, alerts, fails over)";

    package = mkOption {
      type = types.package;
      default = pkgs.understudy or (throw "services.understudy.package: understudy is not in nixpkgs; set it to the package built from this repository (nix/README.md)");
      defaultText = lib.literalExpression "pkgs.understudy";
      description = "The Understudy package; its bin/understudy is run.";
    };

    settings = mkOption {
      type = types.submodule { freeformType = settingsFormat.type; };
      default = { };
      description = ''
        The configuration, as the YAML file would hold it (hosts, services, notify, agents…); see
        examples/homelab.yaml. `version = 1` and `agents.listen` are filled in. Secrets are references:
        "env:NAME" or "file:/run/credentials/understudy.service/<name>" (see `credentials`).
      '';
    };

    configFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      description = "A ready config file, instead of `settings`. Its agents.listen should match `listen`.";
    };

    credentials = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = lib.literalExpression ''{ understudy-ntfy = config.age.secrets.understudy-ntfy.path; }'';
      description = ''
        Secret files given to the service with systemd's LoadCredential, by name. Refer to one in
        `settings` as "file:/run/credentials/understudy.service/<name>". Give paths as strings, outside
        the Nix store.
      '';
    };

    dataDir = mkOption {
      type = types.str;
      default = "/var/lib/understudy";
      description = "Where the agent keeps its SQLite state (a systemd StateDirectory, so under /var/lib).";
    };

    listen = mkOption {
      type = types.str;
      default = "127.0.0.1:8470";
      example = "100.64.0.2:8470";
      description = "Address of the agent's HTTP API, dashboard, push receiver and /metrics (written to agents.listen).";
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open the listen port in the firewall (for other agents, push checks, Prometheus).";
    };

    allowPing = mkOption {
      type = types.bool;
      default = false;
      description = "Give the service CAP_NET_RAW and iputils' ping, for `ping` checks.";
    };

    extraArgs = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Extra arguments to `understudy agent`.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.configFile == null || cfg.settings == { };
        message = "services.understudy: set either settings or configFile, not both.";
      }
      {
        assertion = !(cfg.settings ? agents && cfg.settings.agents ? listen);
        message = "services.understudy: set services.understudy.listen instead of settings.agents.listen.";
      }
      {
        # A DynamicUser owns no directory of its own outside systemd's StateDirectory.
        assertion = lib.hasPrefix "/var/lib/" cfg.dataDir && stateDirectory != "";
        message = "services.understudy.dataDir must lie under /var/lib/ (it is a systemd StateDirectory).";
      }
    ];

    environment.etc = mkIf (cfg.configFile == null) {
      "understudy/understudy.yaml".source = generatedFile;
    };

    networking.firewall.allowedTCPPorts = mkIf cfg.openFirewall [ port ];

    systemd.services.understudy = {
      description = "Understudy resilience agent";
      documentation = [ "https://understudy.dev" ];
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];
      reloadTriggers = lib.optional (cfg.configFile == null) generatedFile;
      path = lib.optional cfg.allowPing pkgs.iputils;
      environment.UNDERSTUDY_CONFIG = configPath;

      serviceConfig = {
        ExecStart = lib.escapeShellArgs ([ "${cfg.package}/bin/understudy" "agent" "--config" configPath ] ++ cfg.extraArgs);
        ExecReload = "${pkgs.coreutils}/bin/kill -HUP $MAINPID";
        Restart = "on-failure";
        RestartSec = "5s";

        DynamicUser = true;
        StateDirectory = stateDirectory;
        StateDirectoryMode = "0700";
        LoadCredential = loadCredential;
        UMask = "0077";

        CapabilityBoundingSet = if cfg.allowPing then [ "CAP_NET_RAW" ] else [ "" ];
        AmbientCapabilities = lib.optional cfg.allowPing "CAP_NET_RAW";
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        PrivateDevices = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        RestrictAddressFamilies = [ "AF_INET" "AF_INET6" "AF_UNIX" "AF_NETLINK" ];
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        SystemCallArchitectures = "native";
        SystemCallFilter = [ "@system-service" ];
        # No MemoryDenyWriteExecute: Node's JIT needs writable, executable memory.
      };
    };
  };
}
