import type { ImageReference } from '@azure/arm-compute';
import { InfraError } from '../../../harness/model/errors.js';
import { pollUntil } from '../core/poll.js';
import type { LaunchRequest, LaunchedInstance } from '../core/provider.js';
import { tagRecord } from '../core/tags.js';
import type { Teardown } from '../core/teardown.js';
import { ignoreNotFound, type AzureClients } from './azure-clients.js';
import { bootDiagnosticsConsole } from './boot-diagnostics-console.js';

export interface AzureTarget {
  resourceGroup: string;
  location: string;
  vmSize: string;
  image: ImageReference;
  /** The subnet's resource id: Azure has no default network. */
  subnet: string;
  pollMs: number;
}

/**
 * Network security group (tcp/22 from the runner's /32 only), public IP and NIC, then the VM with
 * the run key in linuxConfiguration.ssh, boot diagnostics on (managed storage: no account needed)
 * and its OS disk and NIC deleted with it. Every resource is tagged, the disk after the fact since
 * a VM create cannot tag it; each is also deleted by name, so nothing depends on Azure's cascade.
 */
export async function launchAzure(clients: AzureClients, target: AzureTarget, request: LaunchRequest, teardown: Teardown): Promise<LaunchedInstance> {
  const { resourceGroup: rg, location } = target;
  const tags = tagRecord(request.tags);
  const opts = { abortSignal: request.signal };
  const { network, compute } = clients;
  const names = { nsg: `${request.name}-nsg`, ip: `${request.name}-ip`, nic: `${request.name}-nic`, disk: `${request.name}-disk`, vm: request.name };

  const nsg = await teardown.create(
    `network security group ${names.nsg}`,
    () =>
      network.networkSecurityGroups.beginCreateOrUpdateAndWait(
        rg,
        names.nsg,
        {
          location,
          tags,
          securityRules: [
            {
              name: 'ssh-from-runner',
              protocol: 'Tcp',
              sourceAddressPrefix: request.runnerCidr,
              sourcePortRange: '*',
              destinationAddressPrefix: '*',
              destinationPortRange: '22',
              access: 'Allow',
              direction: 'Inbound',
              priority: 100,
            },
          ],
        },
        opts,
      ),
    (_made, signal) => network.networkSecurityGroups.beginDeleteAndWait(rg, names.nsg, { abortSignal: signal }).catch(ignoreNotFound),
  );
  const ip = await teardown.create(
    `public IP ${names.ip}`,
    () => network.publicIPAddresses.beginCreateOrUpdateAndWait(rg, names.ip, { location, tags, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static' }, opts),
    (_made, signal) => network.publicIPAddresses.beginDeleteAndWait(rg, names.ip, { abortSignal: signal }).catch(ignoreNotFound),
  );
  const nic = await teardown.create(
    `network interface ${names.nic}`,
    () =>
      network.networkInterfaces.beginCreateOrUpdateAndWait(
        rg,
        names.nic,
        { location, tags, networkSecurityGroup: { id: nsg.id }, ipConfigurations: [{ name: 'primary', subnet: { id: target.subnet }, publicIPAddress: { id: ip.id } }] },
        opts,
      ),
    (_made, signal) => network.networkInterfaces.beginDeleteAndWait(rg, names.nic, { abortSignal: signal }).catch(ignoreNotFound),
  );
  teardown.add(`disk ${names.disk}`, (signal) => compute.disks.beginDeleteAndWait(rg, names.disk, { abortSignal: signal }).catch(ignoreNotFound));
  await teardown.create(
    `virtual machine ${names.vm}`,
    () =>
      compute.virtualMachines.beginCreateOrUpdateAndWait(
        rg,
        names.vm,
        {
          location,
          tags,
          hardwareProfile: { vmSize: target.vmSize },
          storageProfile: {
            imageReference: target.image,
            osDisk: { name: names.disk, createOption: 'FromImage', deleteOption: 'Delete', managedDisk: { storageAccountType: 'StandardSSD_LRS' } },
          },
          osProfile: {
            computerName: names.vm.slice(0, 63),
            adminUsername: request.user,
            linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: `/home/${request.user}/.ssh/authorized_keys`, keyData: request.publicKey }] } },
          },
          networkProfile: { networkInterfaces: [{ id: nic.id, primary: true, deleteOption: 'Delete' }] },
          diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        },
        opts,
      ),
    (_made, signal) => compute.virtualMachines.beginDeleteAndWait(rg, names.vm, { forceDeletion: true, abortSignal: signal }).catch(ignoreNotFound),
  );
  await compute.disks.beginUpdateAndWait(rg, names.disk, { tags }, opts);
  const address = ip.ipAddress ?? (await network.publicIPAddresses.get(rg, names.ip, opts)).ipAddress;
  if (!address) throw new InfraError(`${names.ip} has no address`, { phase: 'running' });
  return {
    id: names.vm,
    console: bootDiagnosticsConsole(clients, rg, names.vm),
    running: (signal) =>
      pollUntil(
        async () => {
          const view = await compute.virtualMachines.instanceView(rg, names.vm, { abortSignal: signal });
          const power = view.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code;
          if (power === 'PowerState/stopped' || power === 'PowerState/deallocated') throw new InfraError(`${names.vm} is ${power.slice(11)}`, { phase: 'running' });
          return power === 'PowerState/running' ? { address } : undefined;
        },
        { timeoutMs: Number.MAX_SAFE_INTEGER, intervalMs: target.pollMs, signal, what: `${names.vm} to run` },
      ),
  };
}
