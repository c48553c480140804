// What the man page and docs/cli.md say about each command beyond its row in the command table: a longer
// description where the summary is not enough, and examples. Loaded by those generators and by `--help`
// (help.ts, itself loaded only to print help), never on a command's path.

export interface CommandDoc {
  /** Paragraphs after the summary. */
  readonly details?: readonly string[];
  /** Command lines, each with a comment line (`# …`) before it when it needs one. */
  readonly examples: readonly string[];
}

export const PROGRAM_DESCRIPTION: readonly string[] = [
  "dnet gives containers, and plain network namespaces, the networking Docker gives containers: networks with their own bridge and subnet, sandboxes (network namespaces) connected to them with addresses, DNS names and published ports, firewalled with nftables.",
  "The daemon (dnet daemon) owns the state and the kernel objects and serves an HTTP API on a unix socket; that API is also the Docker Engine API's network part, so the docker CLI works against it. Every other command is a client of that API.",
];

export const COMMAND_DOCS: Readonly<Record<string, CommandDoc>> = {
  "completion": { examples: ["# bash, for this shell", "source <(dnet completion bash)", "# zsh, for every shell", "dnet completion zsh > \"${fpath[1]}/_dnet\""] },
  "daemon": {
    details: ["Stops on SIGTERM or SIGINT without deleting anything: the next start finds every network and sandbox where it was. With --socket, --data-dir and --netns-dir several daemons can run on one host, each in its own network namespace.", "--ui serves a web page (GET only) with the topology picture of dnet topology --svg, redrawn on every event, and the key metrics; it listens on loopback only unless --ui-allow-remote is given.", "Memory: the daemon keeps V8's old generation within 1.2× of what survived its last full collection (V8 allows up to 4×), which keeps its heap near what is live under a burst of connects. NODE_OPTIONS=--max-semi-space-size=1 in its environment shrinks the young generation as well (16 MiB semi-spaces to 1 MiB) but made connect/disconnect through the API 7–14 % slower (npm run bench:daemon-pair), so it is not the default. --dns-threads 0 serves the embedded DNS on the daemon's main thread instead of two worker threads: about 23 MiB less idle and 30 MiB or more less with 1,000 endpoints (npm run bench:scale -- --memory), 16 % fewer DNS queries/s at full load (npm run bench)."],
    examples: ["dnet daemon", "dnet daemon --socket /run/dnet2.sock --data-dir /var/lib/dnet2 --netns-dir /run/dnet2/netns --log-format json", "# a read-only page of the live topology and metrics at http://127.0.0.1:8080/", "dnet daemon --ui 127.0.0.1:8080"],
  },
  "events": {
    details: ["Each line is one event: its time, the kind of object (network, sandbox, daemon), the action (create, destroy, connect, disconnect; publish, unpublish of a sandbox's ports; repair, repair_failed of a network's kernel objects; start of the daemon) and the object's ID with its attributes."],
    examples: ["dnet events", "dnet events --filter type=network --filter event=connect", "dnet events --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'"],
  },
  "help": { examples: ["dnet help", "dnet help network create"] },
  "network connect": { examples: ["dnet network connect --ip 10.1.0.50 --alias web frontend sb1"] },
  "network create": {
    details: ["Without --subnet the network gets a free subnet from the default address pools. Each --gateway, --ip-range and --aux-address belongs to the --subnet it falls in."],
    examples: ["dnet network create --subnet 10.1.0.0/24 --gateway 10.1.0.1 frontend", "dnet network create --internal -o com.docker.network.bridge.name=brback backend"],
  },
  "network disconnect": { examples: ["dnet network disconnect frontend sb1"] },
  "network inspect": {
    details: ["-f runs a Go template on each network, as docker network inspect -f does (Docker's field names: {{.ID}}, {{.IPAM.Config}}, {{.Containers}}), with the docker CLI's functions: json, join, split, upper, lower, title, pad, truncate, besides Go's (index, len, printf, println, range, if, with)."],
    examples: ["dnet network inspect frontend", "dnet network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}' frontend", "dnet network inspect -f '{{range $id, $c := .Containers}}{{$c.Name}} {{$c.IPv4Address}}{{println}}{{end}}' frontend"],
  },
  "network ls": {
    details: ["--format json prints the networks as one JSON array (as inspect does, for scripts); a template runs on each row, and a template starting with table prints a table with headers."],
    examples: ["dnet network ls", "dnet network ls --filter driver=bridge -q", "dnet network ls --format 'table {{.Name}}\\t{{.Driver}}\\t{{.Label \"team\"}}'"],
  },
  "network prune": { examples: ["dnet network prune", "dnet network prune -f"] },
  "network rm": { examples: ["dnet network rm frontend backend"] },
  "port": {
    details: ["Prints what docker port prints, from the sandbox's Ports (dnet sandbox inspect): a line per container port and host address, PORT/PROTO -> HOSTIP:HOSTPORT, where it is published now (the host port actually chosen from a range or for a dynamic port); with PORT, only where that port is published. A range shows a line per port. Ports asked for but not published (no gateway endpoint can serve them) are left out."],
    examples: ["dnet port web", "dnet port web 80/tcp"],
  },
  "port add": {
    details: [
      "Publishes a port while the sandbox runs, without recreating it (Docker cannot: the container has to be created again). The binding is the sandbox's, like one given with sandbox create -p: it is published on whichever endpoint gives the sandbox its default route and follows it from network to network; on a sandbox connected to no network it waits for one. It prints where the port is published, a line per address family.",
      "A container port range maps one to one onto a host range of the same length, as one firewall element per family whatever its length; a host range with one container port publishes the first free port of it. Ranges of up to 64 ports are held by a socket per port, as single ports are; longer ones are checked free when published and not held (see the bridge driver's documentation).",
    ],
    examples: ["dnet port add web 8080:80", "dnet port add web 127.0.0.1:5353:53/udp", "dnet port add web 10000-19999:10000-19999/udp"],
  },
  "port rm": {
    details: ["Unpublishes every binding of the container port (or range) of the sandbox, or, when the host port (and address) is given, that binding only; their open connections end. Prints each binding removed. Bindings given with an endpoint at connect go when it is disconnected."],
    examples: ["dnet port rm web 80", "dnet port rm web 8080:80/tcp"],
  },
  "run": {
    details: ["Creates a sandbox, runs CMD in it (with the sandbox's hosts and resolv.conf), and exits with CMD's exit code; --rm removes the sandbox when CMD exits."],
    examples: ["dnet run --rm --network frontend -- ping -c1 web", "dnet run --name api --network frontend -p 8080:80 -- python3 -m http.server 80"],
  },
  "sandbox create": { examples: ["dnet sandbox create --hostname web --network frontend:web,www -p 8080:80 sb1"] },
  "sandbox exec": { examples: ["dnet sandbox exec sb1 -- ip addr", "dnet sandbox exec sb1 cat /etc/resolv.conf"] },
  "sandbox inspect": { examples: ["dnet sandbox inspect sb1", "dnet sandbox inspect -f '{{.Key}}' sb1"] },
  "sandbox ls": { examples: ["dnet sandbox ls", "dnet sandbox ls --format '{{.Name}} {{.Ports}}'"] },
  "sandbox rm": { examples: ["dnet sandbox rm -f sb1 sb2"] },
  "system cleanup": {
    details: [
      "Removes every sandbox (its network namespace, interfaces, files), network (bridge, nftables rules) and file dnet made: the nftables tables inet dnet and bridge dnet, iptables rules tagged dnet:, the state directory, the socket. It refuses while a daemon runs on that socket or state directory. Shared directories such as /run/netns keep what other tools put there.",
      "Give it the --data-dir, --netns-dir and --socket the daemon ran with, and run it in the network namespace the daemon ran in (the daemon records it in its data directory): anywhere else it refuses (ERR_CLEANUP_OTHER_NETNS) and names a path to enter it with nsenter --net=PATH. When that namespace no longer exists, its bridges and tables went with it, and only the files are removed.",
    ],
    examples: ["systemctl stop dnet", "dnet system cleanup --dry-run", "dnet system cleanup -f"],
  },
  "topology": {
    details: ["Without --svg or --dot it prints a tree: each network with its driver, bridge and subnets, and the sandboxes on it with their interface, addresses and published ports."],
    examples: ["dnet topology", "dnet topology --svg topology.svg", "dnet topology --dot topology.dot && dot -Tpng topology.dot > topology.png"],
  },
  "version": { examples: ["dnet version", "dnet --version"] },
};
