using System.CommandLine;
using Zone.Host.Bench;
using Zone.Host.Cli;
using Zone.Host.Configuration;
using Zone.Host.Doctor;

var root = new RootCommand("zone: an actor-model runtime and simulator of an AI economic zone");
GlobalOptions.AddTo(root);
root.Subcommands.Add(DoctorCommand.Create());
root.Subcommands.Add(ConfigCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(Zone.Host.Models.ModelsCommand.Create());
root.Subcommands.Add(Zone.Host.Ledger.LedgerCommand.Create());
return await root.Parse(args).InvokeAsync();
